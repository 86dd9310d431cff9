"""Named moments of a night where a crash test can stop it, to kill it there with `kill -9`.

Crash safety is claimed for every step that writes something (the raw build, the checkpoints'
results, the Parquet export, the rename over the served file, the report), and most of those
writes last milliseconds: no outside observer can time a kill inside them. A test sets
`JIXIAO_PAUSE_AT` to one of `POINTS`; the night, on reaching it, writes its pid to
`JIXIAO_PAUSE_MARKER` and waits there until it is killed. Unset (always, outside tests), a point
costs one dictionary lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "JIXIAO_PAUSE_AT"
PAUSE_MARKER = "JIXIAO_PAUSE_MARKER"

POINTS = (
    "build.before_rename",  # the raw build written under its temporary name
    "reconcile.documents.recorded",  # the document checks' results written into the build
    "reconcile.warehouse.recorded",  # the cross-document checks' results written into the build
    "export.partial",  # the first mart's Parquet file written, the others not
    "publish.before_rename",  # the build stamped and exported, not yet moved over the served file
    "publish.after_rename",  # the build serving; `current` exports and the publication record not
    "report.before_rename",  # the new report written beside the old one
)


def pause_at(point: str) -> None:
    """Wait here for ever if a crash test asked to stop at `point` (see the module's docstring)."""
    assert point in POINTS, point
    if os.environ.get(PAUSE_AT) != point:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if marker:
        Path(marker).write_text(f"{os.getpid()} {point}\n", encoding="utf-8")
    while True:
        time.sleep(60)

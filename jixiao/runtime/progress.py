"""The parse progress of the current landing, for `jixiao run` to show: a small file in the state
folder. discover() starts it with the number of documents to parse; as each document ends (parsed,
quarantined or timed out) its batch's task appends one line to it, on whichever worker it runs.

Kept apart from `jixiao.stages.land` so that `jixiao run`, which only reads it, imports nothing of the
parsers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from jixiao.runtime.settings import Settings

log = logging.getLogger(__name__)


def progress_path(settings: Settings) -> Path:
    return settings.state.progress_file


def start_progress(settings: Settings, total: int) -> None:
    """A landing's first word: how many documents it will parse. The count of an earlier landing goes."""
    path = progress_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(f"total {total}\n", encoding="utf-8")
    os.replace(temporary, path)


def clear_progress(settings: Settings) -> None:
    """Forget the last landing's count (until the next landing's discover() starts its own)."""
    progress_path(settings).unlink(missing_ok=True)


def note_parsed(settings: Settings, source_path: str) -> None:
    """One document finished: one short line appended, a single write(2) with O_APPEND, so workers in
    other processes append side by side. Progress is for people: it never fails a parse, and without
    a started progress file (no discover() before) nothing is written."""
    line = ("done " + source_path.replace("\n", " ") + "\n").encode("utf-8")
    try:
        descriptor = os.open(progress_path(settings), os.O_WRONLY | os.O_APPEND)
    except OSError:
        return
    try:
        os.write(descriptor, line)
    except OSError as error:
        log.debug("progress not recorded for %s: %s", source_path, error)
    finally:
        os.close(descriptor)


def read_progress(settings: Settings) -> tuple[int, int] | None:
    """(documents finished, documents to parse) of the current landing, or None when none has started.

    A document counts once even when a retried batch parses it again; a line still being written
    (no newline yet) does not count."""
    try:
        text = progress_path(settings).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.split("\n")[:-1]  # the last element is empty or a line not yet complete
    if not lines or not lines[0].startswith("total "):
        return None
    try:
        total = int(lines[0].removeprefix("total "))
    except ValueError:
        return None
    done = {line.removeprefix("done ") for line in lines[1:] if line.startswith("done ")}
    return min(len(done), total), total

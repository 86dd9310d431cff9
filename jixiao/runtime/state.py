"""Small JSON notes in the state folder: the last landing, checks and publication, for `jixiao run`'s
summary. Written to a temporary file and renamed, so a reader never sees half a note."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jixiao.runtime.settings import Settings


def write_state(settings: Settings, name: str, record: dict[str, object]) -> Path:
    """A small JSON note of the last landing or publication, for `jixiao run`'s summary."""
    path = settings.state_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_state(settings: Settings, name: str) -> dict[str, Any] | None:
    path = settings.state_dir / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

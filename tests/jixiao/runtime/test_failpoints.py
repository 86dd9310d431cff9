"""The failpoints the crash story kills nights at (tests/e2e/test_crash_safety.py): inert unless
asked for, and a night asked to stop at one really stops there and says so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jixiao.runtime.failpoints import PAUSE_AT, PAUSE_MARKER, POINTS, pause_at

REACH = "from jixiao.runtime.failpoints import pause_at; pause_at({point!r}); print('went on')"


def test_a_point_nobody_asked_for_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PAUSE_AT, "publish.after_rename")
    for point in POINTS:
        if point != "publish.after_rename":
            pause_at(point)  # returns at once


def test_an_unknown_point_is_a_programming_error() -> None:
    with pytest.raises(AssertionError):
        pause_at("publish.somewhere")


def test_the_point_asked_for_stops_the_process_and_writes_the_marker(tmp_path: Path) -> None:
    marker = tmp_path / "paused"
    env = {**os.environ, PAUSE_AT: "export.partial", PAUSE_MARKER: str(marker)}
    process = subprocess.Popen(
        [sys.executable, "-c", REACH.format(point="export.partial")], env=env, stdout=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.read_text(encoding="utf-8") == f"{process.pid} export.partial\n"
        time.sleep(0.5)
        assert process.poll() is None  # still waiting there
    finally:
        process.kill()
        stdout, _ = process.communicate()
    assert b"went on" not in stdout

"""The failpoints the crash story kills nights at (tests/e2e/test_crash_safety.py): inert unless
asked for, and a night asked to stop at one really stops there and says so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest

from jixiao.runtime.failpoints import PAUSE_AT, PAUSE_MARKER, POINTS, pause_at

REACH = "from jixiao.runtime.failpoints import pause_at; pause_at({point!r}); print('went on')"


class Lookups(MutableMapping[str, str]):
    """The process environment, noting every variable looked up (and `*` for a walk over all)."""

    def __init__(self, environ: MutableMapping[str, str]) -> None:
        self.environ = environ
        self.names: list[str] = []

    def __getitem__(self, name: str) -> str:
        self.names.append(name)  # get(), [] and `in` all come here
        return self.environ[name]

    def __setitem__(self, name: str, value: str) -> None:
        self.environ[name] = value

    def __delitem__(self, name: str) -> None:
        del self.environ[name]

    def __iter__(self) -> Iterator[str]:
        self.names.append("*")
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("an inert point slept or wrote")


@pytest.mark.parametrize("asked_for", [None, "publish.after_rename"], ids=["unset", "another_point"])
def test_a_point_nobody_asked_for_costs_nothing(
    asked_for: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Inert means: it returns, having looked up JIXIAO_PAUSE_AT at most once (the one dictionary
    lookup of the module's docstring) and nothing else of the environment, written nothing (not
    even the marker it was given) and never slept."""
    if asked_for is None:
        monkeypatch.delenv(PAUSE_AT, raising=False)
    else:
        monkeypatch.setenv(PAUSE_AT, asked_for)
    marker = tmp_path / "paused"
    monkeypatch.setenv(PAUSE_MARKER, str(marker))
    environ = Lookups(os.environ)
    monkeypatch.setattr(os, "environ", environ)
    monkeypatch.setattr(time, "sleep", _refuse)
    monkeypatch.setattr(Path, "write_text", _refuse)
    monkeypatch.setattr(Path, "open", _refuse)
    for point in POINTS:
        if point == asked_for:
            continue
        environ.names.clear()
        pause_at(point)  # returned: no wait, no sleep
        assert [name for name in environ.names if name != PAUSE_AT] == [], point
        assert environ.names.count(PAUSE_AT) <= 1, point
    assert list(tmp_path.iterdir()) == []


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

"""The parse progress `jixiao run --quiet` shows, and the lock that makes two runs queue: the pieces
on their own, on real files (the runs end to end are in test_concurrent_runs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jixiao.cli.run import exclusive_run, step_status
from jixiao.cli.tables import make_console
from jixiao.runtime.progress import clear_progress, note_parsed, progress_path, read_progress, start_progress
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note
from jixiao.stages.land import discover, land_all


def test_no_progress_file_means_no_progress(settings: Settings) -> None:
    assert read_progress(settings) is None
    note_parsed(settings, "2023/a.pdf")  # no landing started: nothing written, nothing raised
    assert not progress_path(settings).exists()
    log = Path("/tmp/x.log")
    assert step_status(settings, log) == f"step 1/2: jixiao_landing (log: {log})"


def test_counts_each_document_once(settings: Settings) -> None:
    start_progress(settings, 3)
    assert read_progress(settings) == (0, 3)
    note_parsed(settings, "2023/a.pdf")
    note_parsed(settings, "2023/b.pdf")
    note_parsed(settings, "2023/a.pdf")  # a retried batch parses a document again
    assert read_progress(settings) == (2, 3)
    with progress_path(settings).open("a", encoding="utf-8") as handle:
        handle.write("done 2023/c.p")  # a line another process is still writing
    assert read_progress(settings) == (2, 3)
    log = Path("/tmp/x.log")
    assert step_status(settings, log) == f"step 1/2: jixiao_landing, parsed 2/3 documents (log: {log})"
    # The night process notes each DAG run as it ends: the landing's end moves the line on.
    settings.state.write(Note.NIGHT, {"dags": [{"dag_id": "jixiao_landing", "state": "success"}]})
    assert step_status(settings, log) == f"step 2/2: jixiao_transform (log: {log})"


def test_a_new_landing_starts_from_nothing(settings: Settings) -> None:
    start_progress(settings, 2)
    note_parsed(settings, "2023/a.pdf")
    start_progress(settings, 0)
    assert read_progress(settings) == (0, 0)
    assert "no new documents to parse" in step_status(settings, Path("x.log"))
    clear_progress(settings)
    assert read_progress(settings) is None


def test_unreadable_progress_is_no_progress(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True)
    progress_path(settings).write_text("total many\ndone 2023/a.pdf\n", encoding="utf-8")
    assert read_progress(settings) is None
    progress_path(settings).write_text("", encoding="utf-8")
    assert read_progress(settings) is None


def test_parse_workers_report_every_document(settings: Settings) -> None:
    """The real landing: discover() writes the total, the pool's workers each finished document,
    a quarantined one included; the next night has nothing to parse."""
    (settings.landing_dir / "2023" / "broken.pdf").write_text("<html>502</html>", encoding="utf-8")
    summary = land_all(settings)
    assert len(summary.new) == 4 and len(summary.quarantined) == 1
    assert read_progress(settings) == (5, 5)
    lines = progress_path(settings).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "total 5" and sorted(lines[1:]) == sorted(
        f"done {path.relative_to(settings.landing_dir).as_posix()}"
        for path in settings.landing_dir.rglob("*.pdf")
    )
    (settings.landing_dir / "2023" / "broken.pdf").unlink()
    discover(settings)
    assert read_progress(settings) == (0, 0)


HOLD = """
import sys, time
from pathlib import Path
from jixiao.cli.tables import make_console
from jixiao.cli.run import exclusive_run
from jixiao.runtime.settings import Settings
import dataclasses
settings = dataclasses.replace(Settings.from_env(), state_dir=Path(sys.argv[1]))
with exclusive_run(settings, make_console()):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_run_waits_for_the_first(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(settings.state_dir), "2"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    assert settings.state.run_lock.read_text(encoding="utf-8") == f"pid {holder.pid}"
    started = time.monotonic()
    with exclusive_run(settings, make_console()):
        waited = time.monotonic() - started
        assert settings.state.run_lock.read_text(encoding="utf-8") == f"pid {os.getpid()}"
    holder.wait()
    assert waited > 1  # the holder kept the lock for 2 s after saying so
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert f"waiting for the refresh already running (pid {holder.pid}) to finish" in out
    with exclusive_run(settings, make_console()):  # free again: no wait, no line
        pass
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("given", "expected"), [(None, 10), ("30", 30)])
def test_jixiao_run_retries_after_the_documented_delay(given: str | None, expected: int) -> None:
    """Without the test session's own setting: the caller's environment as a user's shell has it."""
    from datetime import timedelta

    from jixiao.airflow.tasks import default_args
    from jixiao.cli.run import airflow_environment

    environ = {key: value for key, value in os.environ.items() if key != "JIXIAO_RETRY_DELAY_SECONDS"}
    if given is not None:
        environ["JIXIAO_RETRY_DELAY_SECONDS"] = given
    night_env = airflow_environment(Settings.from_env(environ), environ)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", night_env)
        assert default_args()["retry_delay"] == timedelta(seconds=expected)
    # A scheduler's tasks, which `jixiao run` does not start, keep the production default.
    assert Settings.from_env(environ).retry_delay_seconds == (300 if given is None else expected)


# Takes the lock as a run does, but names itself only after a moment.
HOLD_BEFORE_NAMING = """
import fcntl, os, sys, time
from pathlib import Path
lock = Path(sys.argv[1]) / sys.argv[2]
lock.parent.mkdir(parents=True, exist_ok=True)
with lock.open("a+", encoding="utf-8") as handle:
    fcntl.flock(handle, fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(0.3)
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    time.sleep(1.5)
"""


def test_a_run_that_finds_the_lock_just_taken_names_its_holder(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_BEFORE_NAMING, str(settings.state_dir), settings.state.run_lock.name],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with exclusive_run(settings, make_console()):
        pass
    holder.wait()
    assert f"waiting for the refresh already running (pid {holder.pid}) to finish" in capsys.readouterr().out

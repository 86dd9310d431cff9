"""Work placed in processes of its own (jixiao.runtime.workers): results and errors come back, warm
workers are reused and ended, and Great Expectations never enters the process that asked for a checkpoint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from jixiao.runtime import workers
from jixiao.runtime.settings import Settings
from tests.conftest import PROJECT_ROOT, SampleWarehouse, program_output


def _pid_and_modules(*names: str) -> tuple[int, list[str]]:
    return os.getpid(), [name for name in names if name in sys.modules]


def _fail(message: str) -> None:
    raise LookupError(message)


@pytest.fixture
def no_warm_workers() -> Iterator[None]:
    workers.close_warm()
    yield
    workers.close_warm()


def test_run_apart_runs_in_a_fresh_interpreter_and_returns_its_result() -> None:
    pid, _ = workers.run_apart(_pid_and_modules)
    assert pid != os.getpid()


def test_an_error_in_the_child_is_raised_in_the_caller() -> None:
    with pytest.raises(LookupError, match="no such document"):
        workers.run_apart(_fail, "no such document")


def test_a_warm_worker_is_started_ahead_reused_and_ended(no_warm_workers: None) -> None:
    # colorsys: a module nothing else of the child's imports.
    workers.warm_up(workers.Worker("test", imports=("colorsys",)))
    first, imported = workers.run_warm("test", _pid_and_modules, "colorsys")
    second, _ = workers.run_warm("test", _pid_and_modules)
    assert first == second != os.getpid()
    assert imported == ["colorsys"]  # the initializer ran there

    workers.close_warm()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{first}").exists() and time.monotonic() < deadline:
        try:  # reaped by the executor's thread, or a zombie until then
            if Path(f"/proc/{first}/stat").read_text().split()[2] == "Z":
                break
        except OSError:
            break
        time.sleep(0.05)
    assert not Path(f"/proc/{first}").exists() or Path(f"/proc/{first}/stat").read_text().split()[2] == "Z"


def test_a_night_starts_its_workers_as_it_begins_or_when_documents_come(no_warm_workers: None) -> None:
    """A worker marked to start with the night imports while the night waits for its first task;
    the others wait for the landing to find documents (a night with nothing new never starts
    them). The night ends them all as it ends."""
    with_the_night = workers.Worker("first", imports=("colorsys",))
    with_documents = workers.Worker("second", at_night_start=False)
    workers.begin_night([with_the_night, with_documents])
    assert workers.is_warm("first") and not workers.is_warm("second")
    pid, imported = workers.run_warm("first", _pid_and_modules, "colorsys")
    assert pid != os.getpid() and imported == ["colorsys"]
    workers.expect_transform()
    assert workers.is_warm("second")
    workers.end_night()
    assert not workers.is_warm("first") and not workers.is_warm("second")
    workers.prepare_transform()  # after the night: nothing to start
    assert not workers.is_warm("second")


def _niceness() -> int:
    return os.nice(0)


def test_the_workers_importing_beside_the_night_yield_the_cores_to_it(no_warm_workers: None) -> None:
    """The night's gate and dbt server run at a lower priority than the night; the warehouse worker,
    which makes the build, at the night's own (`jixiao.airflow.nightly`)."""
    from jixiao.airflow.nightly import NIGHT_WORKERS, dbt_worker

    night_workers = (*NIGHT_WORKERS, dbt_worker("test", Settings.from_env()))
    nice = {worker.name: worker.nice for worker in night_workers}
    assert nice[workers.WAREHOUSE_WORKER] == 0
    assert nice[workers.GATE_WORKER] == nice[workers.DBT_WORKER] > 0
    workers.warm_up(workers.Worker("lower", nice=nice[workers.GATE_WORKER]))
    workers.warm_up(workers.Worker("level"))
    assert workers.run_warm("lower", _niceness) == min(19, _niceness() + nice[workers.GATE_WORKER])
    assert workers.run_warm("level", _niceness) == _niceness()


def _mark_prepared() -> None:
    os.environ["JIXIAO_TEST_PREPARED"] = str(os.getpid())


def _prepared_mark() -> str | None:
    return os.environ.get("JIXIAO_TEST_PREPARED")


def test_a_worker_prepares_before_its_first_work_and_a_failed_preparation_leaves_it_working(
    no_warm_workers: None,
) -> None:
    workers.warm_up(workers.Worker("prepared", prepare=_mark_prepared))
    pid, _ = workers.run_warm("prepared", _pid_and_modules)
    assert workers.run_warm("prepared", _prepared_mark) == str(pid)
    workers.warm_up(workers.Worker("unprepared", prepare=partial(_fail, "no store")))
    assert workers.run_warm("unprepared", _prepared_mark) is None


def _write_after(seconds: float, path: Path) -> None:
    time.sleep(seconds)
    path.write_text(str(os.getpid()))


def test_work_left_to_the_background_is_waited_for_as_the_night_ends(
    no_warm_workers: None, tmp_path: Path
) -> None:
    """The caller goes on at once; the worker runs the work after what it was given before, and
    `end_night` returns only once the work is done."""
    workers.warm_up(workers.Worker("background"))
    assert workers.is_warm("background") and not workers.is_warm("never_started")
    pid, _ = workers.run_warm("background", _pid_and_modules)
    done = tmp_path / "done"
    started = time.monotonic()
    workers.run_in_background("background", _write_after, 1.0, done)
    assert time.monotonic() - started < 0.5 and not done.exists()
    workers.end_night()
    assert done.read_text() == str(pid)
    assert not workers.is_warm("background")


def test_without_a_warm_worker_the_work_runs_in_a_fresh_one(no_warm_workers: None) -> None:
    pid, _ = workers.run_warm("never_started", _pid_and_modules)
    assert pid != os.getpid()


@pytest.mark.processes
def test_a_checkpoint_task_never_imports_great_expectations_into_its_own_process(
    sample_warehouse: SampleWarehouse, tmp_path: Path
) -> None:
    """The reconcile task, called as Airflow calls it, in a fresh interpreter: the checks run and
    are recorded in the build, and `great_expectations` is not among the task process's modules."""
    # The build is named like the served file (dbt's views name its catalog).
    overrides = {
        "JIXIAO_STATE_DIR": str(tmp_path / "state"),
        "JIXIAO_WAREHOUSE": str(tmp_path / sample_warehouse.path.name),
    }
    settings = Settings.from_env({**sample_warehouse.settings.airflow_env(), **overrides})
    settings.state.transform_warehouse.parent.mkdir(parents=True)
    shutil.copy2(sample_warehouse.path, settings.state.transform_warehouse)
    program = (
        "import json, sys\n"
        "from jixiao.airflow.tasks import reconcile\n"
        "result = reconcile('documents', 'apart_test')\n"
        "print(json.dumps({'checks': result['checks'], 'ge': 'great_expectations' in sys.modules}))\n"
    )
    told: Any = program_output(program, env={**os.environ, **settings.airflow_env()})
    assert told["ge"] is False
    assert told["checks"]["budget_identity"] == "passed"
    # With no night's worker to render them later, the worker made for the task rendered its pages.
    assert "document_checks" in settings.state.data_docs_index.read_text(encoding="utf-8")


def _apart_in_billiard(results: Any) -> None:
    try:
        pid, _ = workers.run_apart(_pid_and_modules)
        results.put(("ran", pid != os.getpid()))
    except Exception as error:  # the test reports it
        results.put(("failed", repr(error)))


def test_work_goes_apart_from_a_celery_prefork_worker() -> None:
    """Celery's pool processes are billiard's, daemonic, with an authentication key of billiard's
    type that multiprocessing cannot hand to a child: the work must still go apart from there."""
    import billiard

    results = billiard.Queue()
    worker = billiard.Process(target=_apart_in_billiard, args=(results,), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert results.get(timeout=5) == ("ran", True)


def test_a_worker_dies_with_its_parent(tmp_path: Path) -> None:
    """A process that started a warm worker is killed alone (kill -9, not its group): the worker
    must not stay behind waiting for work."""
    told = tmp_path / "worker.pid"
    program = (
        "import os, sys, time\n"
        "from jixiao.runtime import workers\n"
        "if __name__ == '__main__':\n"
        "    workers.warm_up(workers.Worker(workers.WAREHOUSE_WORKER, imports=()))\n"
        "    pid = workers.run_warm(workers.WAREHOUSE_WORKER, os.getpid)\n"
        f"    open({str(told)!r}, 'w').write(str(pid))\n"
        "    time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", program], cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 120
    while not told.exists() or not told.read_text():
        assert parent.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    worker = int(told.read_text())
    assert Path(f"/proc/{worker}").exists()

    parent.kill()
    parent.wait()

    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{worker}").exists()


def test_work_goes_apart_from_a_process_whose_main_script_must_not_run_again(tmp_path: Path) -> None:
    """An Airflow task process runs under the `airflow` script, which fails when imported there:
    `spawn` must not run the parent's main script again in the child."""
    script = tmp_path / "like_airflow.py"
    script.write_text(
        "import os\n"
        "if __name__ != '__main__':\n"
        "    raise SystemExit('the main script ran again in a child')\n"
        "from jixiao.runtime import workers\n"
        "print(workers.run_apart(os.getpid) != os.getpid())\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr[-2000:]

"""The production path for real: Airflow's metadata DB on PostgreSQL, CeleryExecutor with Redis.

Starts the api-server, scheduler, dag-processor and two Celery workers as processes, triggers two runs
of the nightly landing at once, waits for both and for the Asset-scheduled transform runs they cause
to publish, checks that everything queued (one landing, one transform, one warehouse writer at a
time) and nothing failed, checks the marts, and stops everything it started. The broker is a Redis
server of the test's own that requires a password, as the compose stack's does. Skipped, with the
reason, where PostgreSQL does not answer or redis-server is not installed.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, bin_path, copy_samples

pytestmark = pytest.mark.night

POSTGRES = ("127.0.0.1", 5432)
REFRESHES = ("refresh_a", "refresh_b")  # the run ids of the two landing runs triggered together


def answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def psql(sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
    import psycopg2

    connection = psycopg2.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname=database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
    finally:
        connection.close()


@contextmanager
def redis_with_password(password: str) -> Iterator[str]:
    """A Redis server of the test's own that requires `password`, as the compose stack's does (the
    machine's Redis has none); its broker URL."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: the production path needs Redis")
    port = free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--requirepass", password,
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not answers(("127.0.0.1", port)):
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://:{password}@127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    with redis_with_password(secrets.token_urlsafe(24)) as url:
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, broker: str) -> Iterator[dict[str, object]]:
    if not answers(POSTGRES):
        pytest.skip(
            f"PostgreSQL does not answer on {POSTGRES[0]}:{POSTGRES[1]}: the production path needs it"
        )
    root = tmp_path_factory.mktemp("production")
    database = f"jixiao_airflow_{os.getpid()}"
    psql(f"drop database if exists {database}")
    psql(f"create database {database}")
    landing = root / "landing"
    copy_samples(landing)
    api_port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        # Unpaused, the landing would start its latest 02:00 run at once (CronTriggerTimetable without
        # catch-up); the test unpauses the DAGs once it has queued its own runs.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}",
        "AIRFLOW__CELERY__BROKER_URL": broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://postgres@127.0.0.1:5432/{database}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "jixiao.celery_config.CELERY_CONFIG",
        # A queue of this test run's own: another stack on the same Redis never takes its tasks.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": database,
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "JIXIAO_LANDING_DIR": str(landing),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
        "JIXIAO_RETRY_DELAY_SECONDS": "5",
        "PATH": f"{Path(bin_path('airflow')).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    airflow = bin_path("airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([airflow, "pools", "set", "jixiao_warehouse", "1", "one writer"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    logs = root / "process-logs"
    logs.mkdir()
    processes = []
    # Two Celery workers, as the compose stack runs (replicas: 2), sharing the landing folder, the
    # ledger and the raw zone: here one filesystem; across hosts, one shared mount (README).
    workers = [
        (
            f"worker-{n}",
            [airflow, "celery", "worker", "--concurrency", "2", "--celery-hostname", f"w{n}-{database}@%h"],
            {"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
        )
        for n in (1, 2)
    ]
    for name, command, own_env in (
        ("api-server", [airflow, "api-server", "--port", str(api_port)], {}),
        ("scheduler", [airflow, "scheduler"], {}),
        ("dag-processor", [airflow, "dag-processor"], {}),
        *workers,
    ):
        log = (logs / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(
                command, env={**env, **own_env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    try:
        yield {"env": env, "root": root, "logs": logs, "airflow": airflow, "database": database}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        psql(f"drop database if exists {database} with (force)")


def runs(stack: dict[str, object], dag_id: str) -> list[dict[str, object]]:
    result = subprocess.run(
        [str(stack["airflow"]), "dags", "list-runs", dag_id, "--output", "json"],
        env=stack["env"],  # type: ignore[arg-type]
        capture_output=True,
        text=True,
    )
    # The CLI may log before it prints the JSON: read from the line where the list starts.
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), None)
    if result.returncode != 0 or start is None:
        return []
    return json.loads("\n".join(lines[start:]))


def metadata(stack: dict[str, object], sql: str) -> list[tuple[object, ...]]:
    """A query on the test's Airflow metadata DB (what the CLI does not show: tries, asset events)."""
    return psql(sql, str(stack["database"]))


def airflow(stack: dict[str, object], *args: str) -> None:
    result = subprocess.run([str(stack["airflow"]), *args], env=stack["env"], capture_output=True, text=True)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr[-3000:]


def log_tail(stack: dict[str, object], name: str) -> str:
    return (Path(str(stack["logs"])) / f"{name}.log").read_text(errors="replace")[-3000:]


def settled(stack: dict[str, object]) -> bool:
    """Both landing runs ended, and every Asset event they made was consumed by a transform run that
    ended: nothing more will run."""
    landing = metadata(stack, "select state from dag_run where dag_id = 'jixiao_landing'")
    if len(landing) < len(REFRESHES) or any(state not in ("success", "failed") for (state,) in landing):
        return False
    transforms = metadata(stack, "select state from dag_run where dag_id = 'jixiao_transform'")
    if any(state not in ("success", "failed") for (state,) in transforms):
        return False
    unconsumed = metadata(
        stack,
        """
        select count(*) from asset_event e
        where e.source_dag_id = 'jixiao_landing'
          and not exists (select 1 from dagrun_asset_event c where c.event_id = e.id)
        """,
    )
    queued = metadata(
        stack, "select count(*) from asset_dag_run_queue where target_dag_id = 'jixiao_transform'"
    )
    return unconsumed == [(0,)] and queued == [(0,)]


@pytest.fixture(scope="module")
def refreshes(stack: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """Two runs of `jixiao_landing` triggered at once, and the transform runs they cause, all ended."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the dag-processor has to have serialised the DAGs
        found = metadata(stack, "select dag_id, next_dagrun from dag where dag_id like 'jixiao_%'")
        if {dag_id for dag_id, _ in found} == {"jixiao_landing", "jixiao_transform"}:
            break
        time.sleep(2)
    nightly = dict(found)["jixiao_landing"]
    assert isinstance(nightly, datetime), found
    # Both queued while the DAG is paused, so neither has started when the other arrives. The first
    # takes the logical date of the latest 02:00, so the scheduler adds no scheduled run of its own.
    triggers = [
        subprocess.Popen(
            [str(stack["airflow"]), "dags", "trigger", "jixiao_landing", "--run-id", run_id, *extra],
            env=stack["env"],  # type: ignore[arg-type]
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for run_id, extra in zip(REFRESHES, (["--logical-date", nightly.isoformat()], []), strict=True)
    ]
    for trigger in triggers:
        output, _ = trigger.communicate(timeout=120)
        assert trigger.returncode == 0, output[-3000:]
    # The transform first: an Asset event is not queued for a DAG that is paused when it happens.
    airflow(stack, "dags", "unpause", "jixiao_transform")
    airflow(stack, "dags", "unpause", "jixiao_landing")
    deadline = time.monotonic() + 1500
    while time.monotonic() < deadline and not settled(stack):
        time.sleep(3)
    assert settled(stack), log_tail(stack, "scheduler")
    return {
        "landing": runs(stack, "jixiao_landing"),
        "transform": runs(stack, "jixiao_transform"),
    }


def test_nightly_chain_runs_on_postgres_and_celery(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    workers = log_tail(stack, "worker-1") + log_tail(stack, "worker-2")
    assert {run["state"] for run in refreshes["landing"]} == {"success"}, workers
    # The transform DAG is scheduled on the Asset the landing's `load` task updated.
    transforms = refreshes["transform"]
    assert transforms and {run["state"] for run in transforms} == {"success"}, log_tail(stack, "scheduler")
    warehouse = Path(str(stack["root"])) / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        amount = connection.execute(
            "select amount_wan_yuan from marts.mart_budget_overview where department_code = 'huangpu_sti'"
            " and fiscal_year = 2023 and measure_group = 'budget_line' and measure = '财政拨款'"
        ).fetchone()
        lines = connection.execute(
            "select count(*) from marts.mart_budget_overview"
            " where measure_group in ('budget_line', 'project_table_total')"
        ).fetchone()
    assert amount == (Decimal("364607.2000"),)
    assert lines == (18,)


def test_both_workers_run_tasks(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    # Each worker logs every task it takes from the broker: with two landings, their mapped parse
    # tasks and two transforms, the work spreads over both.
    for name in ("worker-1", "worker-2"):
        taken = (Path(str(stack["logs"])) / f"{name}.log").read_text(errors="replace")
        assert re.search(r"Task execute_workload\[[0-9a-f-]+\] received", taken), log_tail(stack, name)


def one_after_the_other(dag_runs: list[dict[str, object]]) -> list[tuple[datetime, datetime]]:
    spans = sorted(
        (datetime.fromisoformat(str(run["start_date"])), datetime.fromisoformat(str(run["end_date"])))
        for run in dag_runs
    )
    for (_, earlier_end), (later_start, _) in itertools.pairwise(spans):
        assert later_start >= earlier_end, spans
    return spans


def test_two_refreshes_started_together_queue(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    """max_active_runs=1 and the one-slot pool: the runs queued, none failed on DuckDB's lock."""
    landing, transforms = refreshes["landing"], refreshes["transform"]
    assert sorted(str(run["run_id"]) for run in landing) == sorted(REFRESHES)  # no scheduled run besides
    assert {run["state"] for run in landing + transforms} == {"success"}
    one_after_the_other(landing)  # the second landing started after the first had ended
    one_after_the_other(transforms)
    # Each landing's Asset event was consumed by exactly one transform run; one transform run may
    # consume both (Airflow queues events while the transform is at max_active_runs, then one run
    # takes all of them), so there are one or two.
    consumed = metadata(
        stack,
        """
        select e.source_run_id, count(c.dag_run_id) from asset_event e
        left join dagrun_asset_event c on c.event_id = e.id
        where e.source_dag_id = 'jixiao_landing' group by e.source_run_id
        """,
    )
    assert sorted(consumed) == [(run_id, 1) for run_id in sorted(REFRESHES)]
    assert 1 <= len(transforms) <= len(REFRESHES)
    # Every task ran once and succeeded (or was skipped: nothing new to parse the second time).
    tries = metadata(
        stack,
        "select dag_id, task_id, map_index, state, try_number from task_instance order by start_date",
    )
    assert tries and all(state in ("success", "skipped") and number <= 1 for *_, state, number in tries), [
        row
        for row in tries
        if row[3] not in ("success", "skipped") or row[4] > 1  # type: ignore[operator]
    ]
    # The warehouse writers of all the runs had the one pool slot in turn, never two at once.
    writers = metadata(
        stack,
        """
        select start_date, end_date, dag_id, task_id from task_instance
        where pool = 'jixiao_warehouse' and state = 'success' order by start_date
        """,
    )
    assert any(dag_id == "jixiao_landing" for _, _, dag_id, _ in writers)
    for earlier, later in itertools.pairwise(writers):
        assert later[0] >= earlier[1], (earlier, later)  # type: ignore[operator]
    task_logs = Path(str(stack["env"]["AIRFLOW_HOME"])) / "logs"  # type: ignore[index]
    locked = [str(path) for path in task_logs.rglob("*.log") if "Could not set lock" in path.read_text()]
    assert locked == []

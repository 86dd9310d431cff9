"""The production stack as processes on this machine: Airflow's metadata DB on PostgreSQL, a Redis
broker that requires a password (as the compose stack's does), the api-server, scheduler,
dag-processor and two Celery workers. Shared by the production-path test and
`bench/bench_production.py`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import PROJECT_ROOT, bin_path

POSTGRES = ("127.0.0.1", 5432)


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


class Unavailable(RuntimeError):
    """What the stack needs is not on this machine (PostgreSQL not answering, no redis-server)."""


@contextmanager
def redis_with_password(password: str) -> Iterator[str]:
    """A Redis server of our own that requires `password`, as the compose stack's does (the
    machine's Redis has none); its broker URL."""
    server = shutil.which("redis-server")
    if server is None:
        raise Unavailable("redis-server is not installed: the production path needs Redis")
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


@contextmanager
def production_stack(
    root: Path, landing: Path, broker: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[dict[str, object]]:
    """The stack over `landing`, its state under `root`, started; stopped (and its metadata DB
    dropped) when the block ends. Yields `env`, `root`, `logs`, `airflow` (the CLI), `database` and
    `pids` (each service's process, by name)."""
    if not answers(POSTGRES):
        raise Unavailable(
            f"PostgreSQL does not answer on {POSTGRES[0]}:{POSTGRES[1]}: the production path needs it"
        )
    database = f"jixiao_airflow_{os.getpid()}"
    psql(f"drop database if exists {database}")
    psql(f"create database {database}")
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
        "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "jixiao.airflow.celery_config.CELERY_CONFIG",
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
        **(extra_env or {}),
    }
    airflow = bin_path("airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([airflow, "pools", "set", "jixiao_warehouse", "1", "one writer"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    logs = root / "process-logs"
    logs.mkdir()
    processes: dict[str, subprocess.Popen[bytes]] = {}
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
        processes[name] = subprocess.Popen(
            command, env={**env, **own_env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    pids = {name: process.pid for name, process in processes.items()}
    try:
        yield {"env": env, "root": root, "logs": logs, "airflow": airflow, "database": database, "pids": pids}
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        psql(f"drop database if exists {database} with (force)")


def metadata(stack: dict[str, object], sql: str) -> list[tuple[object, ...]]:
    """A query on the stack's Airflow metadata DB (what the CLI does not show: tries, asset events)."""
    return psql(sql, str(stack["database"]))


def airflow(stack: dict[str, object], *args: str) -> None:
    result = subprocess.run([str(stack["airflow"]), *args], env=stack["env"], capture_output=True, text=True)  # type: ignore[arg-type]
    assert result.returncode == 0, result.stderr[-3000:]


def log_tail(stack: dict[str, object], name: str) -> str:
    return (Path(str(stack["logs"])) / f"{name}.log").read_text(errors="replace")[-3000:]


def wait_for_dags(stack: dict[str, object], seconds: float = 120) -> dict[str, object]:
    """Once the dag-processor has serialised both DAGs: each DAG's next scheduled logical date."""
    deadline = time.monotonic() + seconds
    found: list[tuple[object, ...]] = []
    while time.monotonic() < deadline:
        found = metadata(stack, "select dag_id, next_dagrun from dag where dag_id like 'jixiao_%'")
        if {dag_id for dag_id, _ in found} == {"jixiao_landing", "jixiao_transform"}:
            break
        time.sleep(2)
    return {str(dag_id): next_run for dag_id, next_run in found}

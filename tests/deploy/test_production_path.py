"""The production path for real: Airflow's metadata DB on PostgreSQL, CeleryExecutor with Redis.

Starts the api-server, scheduler, dag-processor and a Celery worker as processes, triggers the
nightly landing, waits for the Asset-scheduled transform to publish, checks the marts, and stops
everything it started. Skipped, with the reason, where PostgreSQL or Redis does not answer.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT, SAMPLES, bin_path

pytestmark = pytest.mark.slow

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


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


def psql(sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    for name, address in (("PostgreSQL", POSTGRES), ("Redis", REDIS)):
        if not answers(address):
            pytest.skip(f"{name} does not answer on {address[0]}:{address[1]}: the production path needs it")
    root = tmp_path_factory.mktemp("production")
    database = f"jixiao_airflow_{os.getpid()}"
    psql(f"drop database if exists {database}")
    psql(f"create database {database}")
    landing = root / "landing"
    for pdf in SAMPLES.rglob("*.pdf"):
        target = landing / pdf.relative_to(SAMPLES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf.read_bytes())
    api_port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://postgres@127.0.0.1:5432/{database}",
        "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:6379/7",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://postgres@127.0.0.1:5432/{database}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
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
    for name, command in (
        ("api-server", [airflow, "api-server", "--port", str(api_port)]),
        ("scheduler", [airflow, "scheduler"]),
        ("dag-processor", [airflow, "dag-processor"]),
        ("worker", [airflow, "celery", "worker", "--concurrency", "4"]),
    ):
        log = (logs / f"{name}.log").open("w")
        processes.append(
            subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    try:
        yield {"env": env, "root": root, "logs": logs, "airflow": airflow}
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


def wait_for(stack: dict[str, object], dag_id: str, seconds: int) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = {run["state"] for run in runs(stack, dag_id)}
        if states & {"success", "failed"}:
            return "success" if "success" in states else "failed"
        time.sleep(5)
    return "timeout"


def test_nightly_chain_runs_on_postgres_and_celery(stack: dict[str, object]) -> None:
    env, airflow = stack["env"], str(stack["airflow"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the dag-processor has to have serialised the DAGs
        listed = subprocess.run([airflow, "dags", "list", "--output", "json"], env=env, capture_output=True,
                                text=True)  # type: ignore[arg-type]  # fmt: skip
        if "jixiao_landing" in listed.stdout and "jixiao_transform" in listed.stdout:
            break
        time.sleep(3)
    subprocess.run([airflow, "dags", "trigger", "jixiao_landing"], env=env, check=True,  # type: ignore[arg-type]
                   capture_output=True)  # fmt: skip
    logs = stack["logs"]
    assert wait_for(stack, "jixiao_landing", 300) == "success", (logs / "worker.log").read_text()[-3000:]  # type: ignore[operator]
    # The transform DAG is scheduled on the Asset the landing's `load` task updated.
    assert wait_for(stack, "jixiao_transform", 600) == "success", (logs / "scheduler.log").read_text()[-3000:]  # type: ignore[operator]
    warehouse = Path(str(stack["root"])) / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        amount = connection.execute(
            "select amount_wan_yuan from marts.mart_budget_overview where department_code = 'huangpu_sti'"
            " and fiscal_year = 2023 and measure_group = 'budget_line' and measure = '财政拨款'"
        ).fetchone()
    assert amount == (Decimal("364607.2000"),)

"""`jixiao run`: the whole nightly DAG once through `airflow dags test`, then a look at the mart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
from rich.console import Console

from ingest.orchestration import WAREHOUSE_POOL
from ingest.publish import read_state
from ingest.report import make_console, print_table
from ingest.settings import Settings

DAG_IDS = ("jixiao_landing", "jixiao_transform")  # the Asset chain, run one after the other
# Budget lines worth a glance, in the order a reader of the form meets them.
SUMMARY_LABELS = ("基本支出", "项目支出", "财政拨款", "财政专项资金", "总计")


def _bin(name: str) -> str:
    # Tools from the interpreter's own environment, whatever PATH the caller has.
    return str(Path(sys.executable).with_name(name))


def airflow_environment(settings: Settings) -> dict[str, str]:
    env = {**os.environ, **settings.airflow_env()}
    env.setdefault("JIXIAO_RETRY_DELAY_SECONDS", "10")
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def ensure_airflow_db(settings: Settings, env: dict[str, str]) -> None:
    """Migrate the embedded SQLite metadata DB and create the warehouse pool, once per Airflow home.

    `make` re-migrates when the lock file changes.
    """
    ready = settings.airflow_home / ".jixiao-ready"
    if ready.exists() and (settings.airflow_home / "airflow.db").exists():
        return
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    subprocess.run([_bin("airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            _bin("airflow"),
            "pools",
            "set",
            WAREHOUSE_POOL,
            "1",
            "DuckDB has one writer: warehouse builds queue",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    ready.touch()


def run_log(settings: Settings) -> Path:
    return settings.airflow_home / "logs" / "jixiao-run.log"


def run_dags(settings: Settings, *, quiet: bool) -> tuple[str, int]:
    """Run the DAGs in-process, in order, stopping at the first that fails; with `quiet`, Airflow's
    output goes to run_log() instead of the terminal. Returns the last DAG run and its exit code."""
    env = airflow_environment(settings)
    ensure_airflow_db(settings, env)
    log_path = run_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    returncode = 0
    with log_path.open("w") as log:
        for step, dag_id in enumerate(DAG_IDS, start=1):
            command = [_bin("airflow"), "dags", "test", dag_id]
            if not quiet:
                returncode = subprocess.run(command, env=env, check=False).returncode
            else:
                with make_console().status(f"step {step}/{len(DAG_IDS)}: {dag_id} (log: {log_path})"):
                    returncode = subprocess.run(
                        command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False
                    ).returncode
            if returncode != 0:
                return dag_id, returncode
    return DAG_IDS[-1], returncode


def budget_summary(warehouse: Path) -> list[tuple[object, ...]]:
    columns = ",\n".join(
        f"sum(amount_wan_yuan) filter (where measure = '{label}') as \"{label}\"" for label in SUMMARY_LABELS
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            f"""
            select department_name_printed, fiscal_year, measure_group, {columns}
            from marts.mart_budget_overview
            where measure_group in ('budget_line', 'project_table_total')
            group by all
            order by fiscal_year, department_name_printed, measure_group
            """
        ).fetchall()


def quarantined(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select source_path, error_type, message from raw.quarantine order by source_path"
        ).fetchall()


def print_run_summary(settings: Settings, console: Console) -> None:
    landing = read_state(settings, "last_landing.json") or {}
    published = read_state(settings, "last_publish.json") or {}
    counts = {key: len(landing.get(key) or []) for key in ("new", "unchanged", "superseded", "quarantined")}
    console.print(
        "documents: {new} new, {unchanged} unchanged, {superseded} superseded, {quarantined} quarantined; "
        "published {at}".format(**counts, at=published.get("published_at", "-"))
    )


def run_pipeline(*, quiet: bool = False) -> int:
    settings = Settings.from_env()
    console = make_console()
    console.print(f"jixiao: {' → '.join(DAG_IDS)} over {settings.landing_dir} → {settings.warehouse}")
    dag_id, returncode = run_dags(settings, quiet=quiet)
    if returncode != 0:  # `airflow dags test` exits non-zero when the run fails
        if quiet:
            sys.stderr.write(run_log(settings).read_text(errors="replace")[-8000:])
            console.print(f"full log: {run_log(settings)}")
        console.print(
            f"[red]jixiao: DAG {dag_id} failed (exit code {returncode}); nothing was published[/red]"
        )
        return returncode
    print_run_summary(settings, console)
    print_table(
        "mart_budget_overview: budget per department and year (万元)",
        ["department", "year", "lines", *SUMMARY_LABELS],
        budget_summary(settings.warehouse),
        console,
    )
    refused = quarantined(settings.warehouse)
    if refused:
        print_table("quarantined documents", ["file", "error", "message"], refused, console)
    return 0

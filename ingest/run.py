"""`jixiao run`: the whole nightly DAG once through `airflow dags test`, then a look at the mart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ingest.report import make_console, print_table
from ingest.settings import Settings

DAG_ID = "jixiao_nightly"
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
    """Migrate the embedded SQLite metadata DB once; `make` re-migrates when the lock file changes."""
    if (settings.airflow_home / "airflow.db").exists():
        return
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    subprocess.run([_bin("airflow"), "db", "migrate"], env=env, check=True, capture_output=True)


def run_log(settings: Settings) -> Path:
    return settings.airflow_home / "logs" / "jixiao-run.log"


def run_dag(settings: Settings, *, quiet: bool) -> int:
    """Run the DAG in-process; with `quiet`, Airflow's output goes to run_log() instead of the terminal."""
    env = airflow_environment(settings)
    ensure_airflow_db(settings, env)
    command = [_bin("airflow"), "dags", "test", DAG_ID]
    if not quiet:
        return subprocess.run(command, env=env, check=False).returncode
    log_path = run_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log, make_console().status(f"running {DAG_ID} (log: {log_path})"):
        return subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False).returncode


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


def run_pipeline(*, quiet: bool = False) -> int:
    settings = Settings.from_env()
    console = make_console()
    console.print(f"jixiao: running DAG {DAG_ID} over {settings.landing_dir} → {settings.warehouse}")
    returncode = run_dag(settings, quiet=quiet)
    if returncode != 0:  # `airflow dags test` exits non-zero when the run fails
        if quiet:
            sys.stderr.write(run_log(settings).read_text(errors="replace")[-8000:])
            console.print(f"full log: {run_log(settings)}")
        console.print(f"[red]jixiao: DAG {DAG_ID} failed (exit code {returncode})[/red]")
        return returncode
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

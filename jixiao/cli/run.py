"""`jixiao run`: one night (both DAGs through `dag.test()`, in one child process), then a look at
the mart.

The night runs in a child (`jixiao.airflow.nightly`), so this process never imports Airflow and its status
line stays live. `dag.test()` ignores max_active_runs and pools, so two `jixiao run` on one state
folder would build the same DuckDB files at once: an exclusive lock on the state folder makes the
second wait for the first instead.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console

from jixiao.cli.tables import make_console, print_table
from jixiao.runtime.progress import clear_progress, read_progress
from jixiao.runtime.settings import DAG_IDS, FULL_REBUILD_ENV, WAREHOUSE_POOL, Settings
from jixiao.runtime.state import Note
from jixiao.stages.check import verdict

# Budget lines worth a glance, in the order a reader of the form meets them.
SUMMARY_LABELS = ("基本支出", "项目支出", "财政拨款", "财政专项资金", "总计")
POLL_SECONDS = 0.5  # how often the status line reads the parse progress
EMBEDDED_BATCH_SIZE = 200  # documents per parse task in `jixiao run`


def _bin(name: str) -> str:
    # Tools from the interpreter's own environment, whatever PATH the caller has.
    return str(Path(sys.executable).with_name(name))


EMBEDDED_RETRY_DELAY_SECONDS = 10  # a person is waiting: retry soon (a scheduler waits 300 s)


def airflow_environment(settings: Settings, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    env = {**environ, **settings.airflow_env()}
    # settings.airflow_env() always carries a delay (the scheduler's 300 s default when none is
    # set), so the embedded default applies to what the caller's environment left unset.
    if "JIXIAO_RETRY_DELAY_SECONDS" not in environ:
        env["JIXIAO_RETRY_DELAY_SECONDS"] = str(EMBEDDED_RETRY_DELAY_SECONDS)
    # One process runs every parse task here: fewer, bigger batches start fewer process pools and
    # leave a core idle at fewer batch ends (Celery workers share smaller ones, JIXIAO_BATCH_SIZE).
    env.setdefault("JIXIAO_BATCH_SIZE", str(EMBEDDED_BATCH_SIZE))
    # dbt's partial-parse file is valid only for the profile that wrote it, and the profile names
    # this state folder's build. In Cosmos' machine-wide default (/tmp/cosmos) a night on another
    # state folder (a test, a benchmark) made the next night here parse the whole project again in
    # each of its dbt invocations.
    env.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(settings.state.cosmos_cache))
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


def _lock_holder(handle: Any) -> str:
    """The run holding the lock, as it wrote itself into the lock file. It writes just after it took
    the lock: a run that finds the lock taken in between waits up to a second for the line."""
    for _ in range(20):
        handle.seek(0)
        holder = str(handle.read().strip())
        if holder:
            return holder
        time.sleep(0.05)
    return "pid unknown"


@contextmanager
def exclusive_run(settings: Settings, console: Console) -> Iterator[None]:
    """Hold the state folder's run lock for the whole block; if another `jixiao run` has it, say so
    on one line and wait for it. The kernel drops the lock when its holder exits, however it ends."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    with settings.state.run_lock.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(handle)
            console.print(f"jixiao: waiting for the refresh already running ({holder}) to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _dags_done(settings: Settings) -> list[dict[str, object]]:
    return list((settings.state.read(Note.NIGHT) or {}).get("dags") or [])


def step_status(settings: Settings, log_path: Path) -> str:
    """The status line of a quiet run: the step, and during the landing the documents parsed so far."""
    step = min(len(_dags_done(settings)) + 1, len(DAG_IDS))
    dag_id = DAG_IDS[step - 1]
    text = f"step {step}/{len(DAG_IDS)}: {dag_id}"
    progress = read_progress(settings) if dag_id == "jixiao_landing" else None
    if progress is not None:
        done, total = progress
        text += f", parsed {done}/{total} documents" if total else ", no new documents to parse"
    return f"{text} (log: {log_path})"


def run_dags(settings: Settings, *, quiet: bool, full_rebuild: bool = False) -> tuple[str, int]:
    """Run the night's DAGs in one child process, in order, stopping at the first that fails; with
    `quiet`, Airflow's output goes to run_log() instead of the terminal; with `full_rebuild`, the
    warehouse is built in full. Returns the last DAG run and the child's exit code."""
    env = airflow_environment(settings)
    env.pop(FULL_REBUILD_ENV, None)
    if full_rebuild:
        env[FULL_REBUILD_ENV] = "1"
    ensure_airflow_db(settings, env)
    log_path = run_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    settings.state.forget(Note.NIGHT)
    clear_progress(settings)  # no count from the last night until discover() starts this one
    command = [sys.executable, "-m", "jixiao.airflow.nightly"]
    with log_path.open("w") as log:
        if not quiet:
            returncode = subprocess.run(command, env=env, check=False).returncode
        else:
            with (
                make_console().status(step_status(settings, log_path)) as status,
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) as process,
            ):
                while process.poll() is None:
                    try:
                        process.wait(timeout=POLL_SECONDS)
                    except subprocess.TimeoutExpired:
                        status.update(step_status(settings, log_path))
                returncode = process.returncode
    done = _dags_done(settings)
    last = str(done[-1]["dag_id"]) if done else DAG_IDS[0]
    return last, returncode


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


def unchanged_night(settings: Settings) -> dict[str, Any] | None:
    """The served publication, when this night's landing found nothing changed since it."""
    landing = settings.state.read(Note.LANDING) or {}
    return settings.state.publication() if landing.get("rebuilt") is False else None


def print_run_summary(settings: Settings, console: Console) -> None:
    landing = settings.state.read(Note.LANDING) or {}
    published = settings.state.read(Note.PUBLISH) or {}
    counts = {key: len(landing.get(key) or []) for key in ("new", "superseded", "quarantined")}
    counts["unchanged"] = int(landing.get("unchanged") or 0)
    outcome = f"published {published['published_at']}" if published else "not published"
    served = unchanged_night(settings)
    if served is not None:
        outcome = (
            f"nothing changed since the publication of {served.get('published_at')}: "
            "not rebuilt, re-checked or re-published"
        )
    console.print(
        "documents: {new} new, {unchanged} unchanged, {superseded} superseded, {quarantined} quarantined; "
        "{outcome}".format(**counts, outcome=outcome)
    )
    console.print(checks_summary(settings), soft_wrap=True)
    if published:
        console.print(
            f"report: {settings.report_path}; dbt docs: {settings.dbt_docs_path};"
            f" Parquet and CSV: {settings.export_dir / 'current'}",
            soft_wrap=True,
        )


def run_pipeline(*, quiet: bool = False, full_rebuild: bool = False) -> int:
    settings = Settings.from_env()
    console = make_console()
    console.print(f"jixiao: {' → '.join(DAG_IDS)} over {settings.landing_dir} → {settings.warehouse}")
    with exclusive_run(settings, console):
        return _run_locked(settings, console, quiet=quiet, full_rebuild=full_rebuild)


def _run_locked(settings: Settings, console: Console, *, quiet: bool, full_rebuild: bool) -> int:
    # The summary reports this run only: nothing left from an earlier one.
    settings.state.forget(Note.LANDING, Note.CHECKS, Note.PUBLISH)
    dag_id, returncode = run_dags(settings, quiet=quiet, full_rebuild=full_rebuild)
    published = settings.state.read(Note.PUBLISH) or unchanged_night(settings)
    failures = reconciliation_failures(settings)
    if returncode != 0 and quiet and not failures:  # a failure reconciliation did not explain: show the log
        sys.stderr.write(run_log(settings).read_text(errors="replace")[-8000:])
        console.print(f"full log: {run_log(settings)}")
    print_run_summary(settings, console)
    if published:
        print_table(
            "mart_budget_overview: budget per department and year (万元)",
            ["department", "year", "lines", *SUMMARY_LABELS],
            budget_summary(settings.warehouse),
            console,
        )
        refused = quarantined(settings.warehouse)
        if refused:
            print_table("quarantined documents", ["file", "error", "message"], refused, console)
    for failure in failures:
        console.print(f"[red]reconciliation error: {failure}[/red]", soft_wrap=True)
    if returncode != 0:  # the night's process exits non-zero when a DAG run fails
        outcome = "the rest was published" if published else "nothing was published"
        console.print(f"[red]jixiao: DAG {dag_id} failed (exit code {returncode}); {outcome}[/red]")
    return returncode


def reconciliation_failures(settings: Settings) -> list[str]:
    """This run's error-level reconciliation failures: rejected current documents, blocking checks.
    On a night with nothing new, the served publication's rejected documents."""
    if unchanged_night(settings) is not None:
        return verdict(settings.state.served_documents_stage())
    state = settings.state.read(Note.CHECKS) or {}
    stages = state.get("stages") or {}
    documents, warehouse = stages.get("documents"), stages.get("warehouse")
    rejected = verdict(documents, *([warehouse] if warehouse else [])) if documents else []
    return rejected + list((warehouse or {}).get("failures", []))


def checks_summary(settings: Settings) -> str:
    """Checks passed / warned / failed / not applicable, one verdict per check across both stages."""
    state = settings.state.read(Note.CHECKS) or {}
    verdicts = [v for stage in (state.get("stages") or {}).values() for v in stage["checks"].values()]
    if not verdicts:
        return "checks: not run" + (" (nothing changed)" if unchanged_night(settings) else "")
    counts = {name: verdicts.count(name) for name in ("passed", "warned", "failed", "not_applicable")}
    return (
        "checks: {passed} passed, {warned} warned, {failed} failed, {not_applicable} not applicable"
        " (Data Docs: {docs})".format(**counts, docs=state.get("data_docs", "-"))
    )

"""A whole night in one process: both DAGs, one after the other, through Airflow's `dag.test()`.

`jixiao run` starts this module as its one child (`python -m jixiao.airflow.nightly`): Airflow, dbt and the
in-process Execution API are set up once for the night instead of once per DAG, and the parent
never imports Airflow. Like `airflow dags test`, each run executes its tasks in this process and
ignores the scheduler, pools and max_active_runs, which is why `jixiao run` holds a lock.

Each DAG's outcome is written to the state folder (`last_night.json`) as it ends; the exit code is
0 when every DAG run succeeded, 1 at the first that failed (the ones after it are not started).
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

from jixiao.airflow import dbt_invocation
from jixiao.runtime import dbt_server
from jixiao.runtime.settings import DAG_IDS, FULL_REBUILD_ENV, Settings
from jixiao.runtime.state import Note
from jixiao.runtime.workers import DBT_WORKER, GATE_WORKER, WAREHOUSE_WORKER, Worker, begin_night, end_night
from jixiao.stages.check.checkpoint import prepare_checkpoints

log = logging.getLogger(__name__)

# The workers a night starts ahead of need (`jixiao.runtime.workers`), with what each imports as it
# starts: the gate runs the reconciliation checkpoints (registered in GE's store as soon as it has
# imported GE), the warehouse worker the raw build, the publication and the report. The warehouse
# worker and dbt's server start with the night, the gate when the landing finds documents to parse
# (a night with nothing new imports no GE). The gate and dbt's server work beside the landing,
# which waits for neither: they run at a lower priority (`TRANSFORM_WORKER_NICE`); the warehouse
# worker makes the build, at the night's.
TRANSFORM_WORKER_NICE = 10
NIGHT_WORKERS = (
    Worker(
        GATE_WORKER,
        imports=("great_expectations", "jixiao.stages.check.run"),
        prepare=prepare_checkpoints,
        at_night_start=False,
        nice=TRANSFORM_WORKER_NICE,
    ),
    Worker(
        WAREHOUSE_WORKER,
        imports=("jixiao.stages.build", "pyarrow.dataset", "jixiao.stages.publish", "jixiao.stages.report"),
    ),
)


def dbt_worker(name: str, settings: Settings) -> Worker:
    """The night's dbt server (`jixiao.runtime.dbt_server`), listening under `name`, which parses
    the project before it answers."""
    return Worker(
        DBT_WORKER,
        imports=dbt_server.DBT_IMPORTS,
        start=partial(dbt_server.listen, name),
        serve=partial(
            dbt_server.serve,
            dbt_server.ParseAhead(
                settings.dbt_project_dir,
                dbt_invocation.PROFILE,
                dbt_invocation.TARGET,
                dbt_invocation.build_env(settings),
                dbt_invocation.partial_parse_file(),
            ),
        ),
        nice=TRANSFORM_WORKER_NICE,
    )


def run_night(settings: Settings) -> int:
    # Inherited by the workers: Great Expectations has no route to its analytics endpoint here.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Before the DAGs are parsed: the transform's dbt tasks then run `jixiao-dbt`, which finds the
    # night's server under this name (`jixiao.airflow.dbt_invocation`).
    name = dbt_server.server_name()
    os.environ[dbt_server.SERVER_ENV] = name
    begin_night([*NIGHT_WORKERS, dbt_worker(name, settings)])
    try:
        return _run_dags(settings)
    finally:
        end_night()


def _run_dags(settings: Settings) -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    sqlite_commits_without_fsync()
    bag = DagBag(dag_folder=settings.dags_dir)
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            log.error("DAG file %s does not import:\n%s", path, error)
        return 1
    # Airflow, Cosmos and the DAGs are loaded for the whole night: the collector need not walk them
    # again. Cosmos runs a full collection after every dbt invocation; before the freeze each took
    # about 0.5 s.
    gc.freeze()
    outcomes: list[dict[str, object]] = []
    # `jixiao run --full-rebuild`: the landing's param, as a manual trigger would set it.
    conf = {"full_rebuild": True} if os.environ.get(FULL_REBUILD_ENV) == "1" else None
    for dag_id in DAG_IDS:
        started = time.perf_counter()
        run = bag.dags[dag_id].test(
            logical_date=datetime.now(UTC), run_conf=conf if dag_id == "jixiao_landing" else None
        )
        state = str(run.state) if run is not None else "failed"
        seconds = round(time.perf_counter() - started, 1)
        outcomes.append({"dag_id": dag_id, "state": state, "seconds": seconds})
        settings.state.write(Note.NIGHT, {"dags": outcomes})
        if run is None or run.state != DagRunState.SUCCESS:
            return 1
    return 0


def sqlite_commits_without_fsync() -> None:
    """Airflow's SQLite metadata DB (the embedded default) commits with `synchronous=NORMAL`.

    Airflow opens it in WAL mode with SQLite's default `synchronous=FULL`: an fsync at every commit,
    and a night commits hundreds of times (each task's states, its rendered fields, each XCom). In
    WAL mode NORMAL stays consistent through a crash of the process; only a power cut may lose the
    last commits, of a night `jixiao run` runs again.
    """
    from airflow import settings as airflow_settings
    from sqlalchemy import event

    engines = [airflow_settings.engine]
    if airflow_settings.async_engine is not None:
        engines.append(airflow_settings.async_engine.sync_engine)
    for engine in engines:
        if engine is None or engine.dialect.name != "sqlite":
            continue

        @event.listens_for(engine, "connect")
        def _normal_sync(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma synchronous=normal")
            cursor.close()

        # Connections opened before (kept in the pool) are left to close on their own.
        engine.dispose(close=False)


def main() -> None:
    sys.exit(run_night(Settings.from_env()))


if __name__ == "__main__":
    main()

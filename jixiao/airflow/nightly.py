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
import sys
import time
from datetime import UTC, datetime

from jixiao.runtime.workers import begin_night, end_night
from jixiao.runtime.settings import DAG_IDS, Settings
from jixiao.runtime.state import write_state

NIGHT_FILE = "last_night.json"
log = logging.getLogger(__name__)


def run_night(settings: Settings) -> int:
    # Workers for the heavy work (jixiao.runtime.workers), started ahead of need and ended with the night.
    begin_night()
    try:
        return _run_dags(settings)
    finally:
        end_night()


def _run_dags(settings: Settings) -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    bag = DagBag(dag_folder=settings.dags_dir)
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            log.error("DAG file %s does not import:\n%s", path, error)
        return 1
    # Airflow, Cosmos and the DAGs are loaded for the whole night: the collector need not walk them
    # again. Cosmos runs a full collection after every dbt invocation; before the freeze each took
    # about 0.5 s. (dbt, imported later in a thread, is frozen there: `jixiao.runtime.workers`.)
    gc.freeze()
    outcomes: list[dict[str, object]] = []
    for dag_id in DAG_IDS:
        started = time.perf_counter()
        run = bag.dags[dag_id].test(logical_date=datetime.now(UTC))
        state = str(run.state) if run is not None else "failed"
        seconds = round(time.perf_counter() - started, 1)
        outcomes.append({"dag_id": dag_id, "state": state, "seconds": seconds})
        write_state(settings, NIGHT_FILE, {"dags": outcomes})
        if run is None or run.state != DagRunState.SUCCESS:
            return 1
    return 0


def main() -> None:
    sys.exit(run_night(Settings.from_env()))


if __name__ == "__main__":
    main()

"""
### jixiao landing (nightly, 02:00 Asia/Shanghai)

Finds the PDFs under `JIXIAO_LANDING_DIR`, parses the ones the ledger has not seen (batches of
documents fanned out with dynamic task mapping, a process pool inside each batch, a timeout per
document), then one loader records them in the ledger and builds the raw schema of a new
warehouse build. Updates the Asset `jixiao_raw`, on which `jixiao_transform` is scheduled.

Params: `year` and `department` limit a manual run (a backfill of one year re-parses only that
year). A document that cannot be parsed is quarantined with the reason; the rest goes on.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from jixiao.airflow import tasks
from jixiao.airflow.tasks import RAW_ASSET
from jixiao.runtime.settings import WAREHOUSE_POOL


@dag(
    dag_id="jixiao_landing",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly", "landing"],
    default_args=tasks.default_args(),
    deadline=tasks.deadline(),
    params={
        "year": Param(None, type=["null", "integer"], description="only documents under <landing>/<year>/"),
        "department": Param(None, type=["null", "string"], description="only paths containing this text"),
        "full_rebuild": Param(
            False,
            type="boolean",
            description="build the warehouse in full instead of from the served one (it is in full"
            " anyway when the parser, the dbt project or the suites changed)",
        ),
    },
    doc_md=__doc__,
)
def jixiao_landing() -> None:
    @task(multiple_outputs=True)
    def discover(params: dict[str, Any] | None = None) -> dict[str, Any]:
        return tasks.discover_documents(params or {})

    # Airflow maps only over a task's return value, not over one key of several outputs.
    @task
    def batch(new: list[list[str]]) -> list[list[list[str]]]:
        return tasks.batches_of(new)

    @task
    def parse(batch: list[list[str]]) -> list[dict[str, Any]]:
        return tasks.parse_documents(batch)

    # none_failed: on a night with nothing new, `parse` maps over no batch and is skipped; the raw
    # schema of the next build is still made from the ledger and the zone. The pool serves the
    # highest priority first and dbt's tasks weigh up to ~50 downstream: without its own weight,
    # `load` would wait for a whole running transform before preparing the next build.
    @task(
        pool=WAREHOUSE_POOL,
        outlets=[RAW_ASSET],
        trigger_rule="none_failed",
        priority_weight=1000,
        weight_rule="absolute",
    )
    def load(
        unchanged: int | list[str],
        renamed: list[str],
        parsed: list[list[dict[str, Any]]],
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return tasks.load_raw(unchanged, renamed, list(parsed or []), params or {})

    found = discover()
    load(found["unchanged"], found["renamed"], parse.expand(batch=batch(found["new"])))


jixiao_landing()

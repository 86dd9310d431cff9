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

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task

from ingest.orchestration import RAW_ASSET, WAREHOUSE_POOL, default_args


@dag(
    dag_id="jixiao_landing",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly", "landing"],
    default_args=default_args(),
    params={
        "year": Param(None, type=["null", "integer"], description="only documents under <landing>/<year>/"),
        "department": Param(None, type=["null", "string"], description="only paths containing this text"),
    },
    doc_md=__doc__,
)
def jixiao_landing() -> None:
    @task
    def discover(params: dict | None = None) -> dict[str, object]:
        from ingest.orchestration import discover_batches

        return discover_batches(params or {})

    @task
    def batches_of(discovery: dict[str, object]) -> list[list[list[str]]]:
        return discovery["batches"]  # type: ignore[return-value]

    @task
    def parse(batch: list[list[str]]) -> list[dict[str, object]]:
        from ingest.orchestration import parse_documents

        return parse_documents(batch)

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
    def load(discovery: dict[str, object], parsed: list[list[dict[str, object]]]) -> dict[str, object]:
        from ingest.orchestration import load_raw

        return load_raw(discovery, list(parsed or []))

    found = discover()
    load(found, parse.expand(batch=batches_of(found)))


jixiao_landing()

"""
### jixiao transform (on each update of the Asset `jixiao_raw`)

Claims the build the landing prepared and builds the dbt project on it (staging → intermediate →
marts) through Cosmos, one Airflow task per model with its tests, then publishes: the checked
build atomically replaces the served warehouse (`JIXIAO_WAREHOUSE`). A failed model or test stops
before publishing, so BI tools keep the warehouse published before.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from ingest.orchestration import RAW_ASSET, WAREHOUSE_POOL, dbt_task_group, default_args


@dag(
    dag_id="jixiao_transform",
    schedule=[RAW_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly", "transform"],
    default_args=default_args(),
    doc_md=__doc__,
)
def jixiao_transform() -> None:
    @task(pool=WAREHOUSE_POOL)
    def claim() -> str:
        """Take the landing's latest build: a landing that finishes meanwhile prepares the next one."""
        from ingest.orchestration import claim_build

        return claim_build()

    @task(pool=WAREHOUSE_POOL)
    def publish() -> dict[str, object]:
        from ingest.orchestration import publish_build

        return publish_build()

    claim() >> dbt_task_group() >> publish()


jixiao_transform()

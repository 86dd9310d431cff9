"""
### jixiao transform (on each update of the Asset `jixiao_raw`)

Claims the build the landing prepared and completes it with dbt through Cosmos (one Airflow task
per model with its tests), with the reconciliation gate (Great Expectations, suites in
`expectations/`) around the marts:

1. `dbt_staging`: seeds, staging and the per-document reconciliation rows;
2. `check_documents`: documents failing an error-level check of their own are rejected and kept
   out of the marts (an earlier accepted version serves instead);
3. `dbt_marts`: everything else, on the accepted documents;
4. `check_warehouse`: checks across documents; an error here stops the run before publishing;
5. `publish`: the checked build atomically replaces the served warehouse (`JIXIAO_WAREHOUSE`)
   and its marts are exported to Parquet;
6. `report`: the static HTML report (`report.html` beside the warehouse);
7. `verdict`: fails the run, after publishing, when a current document was rejected.

A failed model, test or warehouse check leaves the warehouse published before in place.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from ingest.orchestration import (
    BEFORE_DOCUMENT_CHECKS,
    RAW_ASSET,
    WAREHOUSE_POOL,
    dbt_task_group,
    default_args,
)


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
    def check_documents(run_id: str | None = None) -> dict[str, object]:
        from ingest.orchestration import check_stage

        return check_stage("documents", str(run_id))

    @task(pool=WAREHOUSE_POOL)
    def check_warehouse(run_id: str | None = None) -> dict[str, object]:
        from ingest.orchestration import check_stage

        return check_stage("warehouse", str(run_id))

    @task(pool=WAREHOUSE_POOL)
    def publish(run_id: str | None = None) -> dict[str, object]:
        from ingest.orchestration import publish_build

        return publish_build(str(run_id))

    @task
    def report(run_id: str | None = None) -> str:
        """The static HTML report of the published warehouse (read-only, replaced by a rename)."""
        from ingest.orchestration import write_html_report

        return write_html_report(str(run_id))

    @task
    def verdict(run_id: str | None = None) -> None:
        from ingest.orchestration import reconciliation_verdict

        reconciliation_verdict(str(run_id))

    (
        claim()
        >> dbt_task_group("dbt_staging", select=BEFORE_DOCUMENT_CHECKS)
        >> check_documents()
        >> dbt_task_group("dbt_marts", exclude=BEFORE_DOCUMENT_CHECKS)
        >> check_warehouse()
        >> publish()
        >> report()
        >> verdict()
    )


jixiao_transform()

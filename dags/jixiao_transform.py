"""
### jixiao transform (on each update of the Asset `jixiao_raw`)

Claims the build the landing prepared and completes it with dbt through Cosmos (one Airflow task
per model with its tests), with reconciliation (Great Expectations, suites in `expectations/`)
around the marts. When the landing made no build (its inputs were those of the served
publication), `anything_new` skips everything but the verdict, which the served publication's
stands for:

1. `dbt_staging`: seeds, staging and the per-document reconciliation rows;
2. `reconcile_documents`: documents failing an error-level check of their own are rejected and
   kept out of the marts (an earlier accepted version serves instead);
3. `dbt_checks_across`: the serving documents and the reconciliation rows across documents;
4. `reconcile_warehouse`: checks across documents; the documents of a bureau and year that
   disagree are held back like rejected ones; what holding back cannot resolve stops the run;
5. `dbt_marts`: everything else, on the accepted documents, with the findings mart;
6. `publish`: the checked build atomically replaces the served warehouse (`JIXIAO_WAREHOUSE`)
   and its marts are exported to Parquet;
7. `report`: the static HTML report (`report.html` beside the warehouse);
8. `reconciliation_verdict`: fails the run, after publishing, when a current document was rejected
   or held back (it reads both checkpoints' results, or on a night with nothing new the served
   publication's).

A failed model or test, or an unresolved check across documents, leaves the warehouse published
before in place.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task
from cosmos import DbtTaskGroup

from jixiao import tasks
from jixiao.tasks import (
    BEFORE_DOCUMENT_CHECKS,
    BEFORE_WAREHOUSE_CHECKS,
    DBT_GROUP_CONFIG,
    RAW_ASSET,
    WAREHOUSE_POOL,
    dbt_render,
)


@dag(
    dag_id="jixiao_transform",
    schedule=[RAW_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly", "transform"],
    default_args=tasks.default_args(),
    doc_md=__doc__,
)
def jixiao_transform() -> None:
    @task(pool=WAREHOUSE_POOL)
    def claim() -> str | None:
        """Take the landing's latest build: a landing that finishes meanwhile prepares the next one."""
        return tasks.claim_build()

    # On a night with nothing new, skips at once every task after it that needs all of its upstream
    # to succeed; the report and the verdict (none_failed) still run.
    @task
    def anything_new(claimed: str | None, task: Any = None) -> None:
        tasks.skip_unless_anything_new(claimed, task)

    @task(pool=WAREHOUSE_POOL)
    def reconcile_documents(run_id: str | None = None) -> dict[str, Any]:
        return tasks.reconcile("documents", str(run_id))

    @task(pool=WAREHOUSE_POOL)
    def reconcile_warehouse(run_id: str | None = None) -> dict[str, Any]:
        return tasks.reconcile("warehouse", str(run_id))

    @task(pool=WAREHOUSE_POOL)
    def publish(
        documents_stage: dict[str, Any], warehouse_stage: dict[str, Any], run_id: str | None = None
    ) -> dict[str, Any]:
        return tasks.publish_build(str(run_id), documents_stage, warehouse_stage)

    # Also on a night with nothing new (publish skipped): a night stopped between its publication
    # and its report leaves a report of the publication before.
    @task(trigger_rule="none_failed")
    def report() -> str | None:
        """The static HTML report of the served warehouse (read-only, replaced by a rename)."""
        return tasks.write_html_report()

    @task(trigger_rule="none_failed")
    def reconciliation_verdict(
        documents_stage: dict[str, Any] | None, warehouse_stage: dict[str, Any] | None
    ) -> None:
        tasks.reconciliation_verdict(documents_stage, warehouse_stage)

    dbt_staging = DbtTaskGroup(
        group_id="dbt_staging", render_config=dbt_render(select=BEFORE_DOCUMENT_CHECKS), **DBT_GROUP_CONFIG
    )
    dbt_checks_across = DbtTaskGroup(
        group_id="dbt_checks_across",
        render_config=dbt_render(select=BEFORE_WAREHOUSE_CHECKS, exclude=BEFORE_DOCUMENT_CHECKS),
        **DBT_GROUP_CONFIG,
    )
    dbt_marts = DbtTaskGroup(
        group_id="dbt_marts",
        render_config=dbt_render(exclude=BEFORE_DOCUMENT_CHECKS + BEFORE_WAREHOUSE_CHECKS),
        **DBT_GROUP_CONFIG,
    )
    for group in (dbt_staging, dbt_checks_across, dbt_marts):
        tasks.producer_first(group)
    documents_stage = reconcile_documents()
    warehouse_stage = reconcile_warehouse()
    published = publish(documents_stage, warehouse_stage)
    anything_new(claim()) >> dbt_staging >> documents_stage >> dbt_checks_across >> warehouse_stage
    warehouse_stage >> dbt_marts >> published
    published >> report() >> reconciliation_verdict(documents_stage, warehouse_stage)


jixiao_transform()

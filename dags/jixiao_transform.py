"""
### jixiao transform (on each update of the Asset `jixiao_raw`)

Claims the build the landing prepared and completes it with dbt through Cosmos (three `dbt build`
tasks, each making its models and testing them), with reconciliation (Great Expectations, suites in
`expectations/`) around the marts. When the landing made no build (its inputs were those of the served
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
7. `report`: the static HTML report (`report.html` beside the warehouse) and dbt's documentation
   site as one page (`dbt-docs.html`);
8. `reconciliation_verdict`: fails the run, after publishing, when a current document was rejected
   or held back (it reads both checkpoints' results, or on a night with nothing new the served
   publication's).

On an incremental build (a copy of the served warehouse, `anything_new`'s XCom says which), each
`dbt build` makes only its group's tables downstream of a source the build changed, and runs the
group's tests downstream of one (README, Incremental builds). `dbt_checks_across` holds views only:
it runs no dbt then, and `dbt_marts` runs its tests.

A failed model or test, or an unresolved check across documents, leaves the warehouse published
before in place.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task
from cosmos import ProfileConfig

from jixiao.airflow import dbt_invocation, tasks
from jixiao.airflow.dbt_build import DbtBuildOperator
from jixiao.airflow.dbt_manifest import dbt_manifest
from jixiao.airflow.tasks import RAW_ASSET
from jixiao.runtime.settings import WAREHOUSE_POOL, Settings

# --- dbt through Cosmos ----------------------------------------------------------------------------

settings = Settings.from_env()
profile_config = ProfileConfig(
    profile_name=dbt_invocation.PROFILE,
    target_name=dbt_invocation.TARGET,
    profiles_yml_filepath=settings.dbt_project_dir / "profiles.yml",
)
# dbt's partial-parse file, one for the three builds (the same project and profile): Cosmos copies it
# into each invocation's copy of the project, and back (making the folder the first time).
partial_parse_cache = dbt_invocation.partial_parse_cache()


def dbt_build(task_id: str) -> DbtBuildOperator:
    """One `dbt build` of a group of the project (`jixiao.airflow.tasks.DBT_BUILDS`): its models and,
    after each, the model's tests (a failing test skips what is built on it and fails the task,
    before the next stage). No task per model: the build's log reports each (docs/performance.md)."""
    return DbtBuildOperator(
        task_id=task_id,
        project_dir=str(settings.dbt_project_dir),
        profile_config=profile_config,
        env=dbt_invocation.build_env(settings),
        install_deps=False,
        cache_dir=partial_parse_cache,
        # The project's parsed manifest, kept with the partial-parse file (`jixiao.airflow.dbt_manifest`).
        manifest_filepath=str(dbt_manifest(settings.dbt_project_dir)),
        # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
        pool=WAREHOUSE_POOL,
        # No Airflow Asset per model: nothing is scheduled on them, and each one is an event the
        # scheduler records every night.
        emit_datasets=False,
        # No compiled SQL read back into the task's rendered fields: the build's log names each node.
        should_store_compiled_sql=False,
        # No manifest.json and run_results.json per invocation: nothing reads them (the operator
        # derives no OpenLineage events from them either: `jixiao.airflow.dbt_build`).
        # dbt's partial-parse file is still written. No debug log file either: Cosmos runs each
        # invocation in a copy of the project it deletes afterwards, and dbt's threads queued on
        # that file's lock (a third of their time in a build). The relations dbt lists as it starts,
        # only in the schemas of what the build selects (a one-document night's marts build
        # listed all six).
        dbt_cmd_global_flags=["--no-write-json", "--log-level-file", "none", "--cache-selected-only"],
        # The group's selection, rendered when it runs: the whole group, or on an incremental build
        # what changed (`jixiao.airflow.tasks.build_selection`).
        dbt_cmd_flags=tasks.build_flags(*tasks.DBT_BUILDS[task_id]),
        # dbt in the night's server or in the task's process, the build closed after each
        # invocation either way.
        **dbt_invocation.invocation_args(),
    )


@dag(
    dag_id="jixiao_transform",
    schedule=[RAW_ASSET],
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly", "transform"],
    default_args=tasks.default_args(),
    deadline=tasks.deadline(),
    user_defined_macros=tasks.TEMPLATE_MACROS,
    doc_md=__doc__,
)
def jixiao_transform() -> None:
    @task(pool=WAREHOUSE_POOL)
    def claim(run_id: str | None = None) -> str | None:
        """Take the landing's latest build: a landing that finishes meanwhile prepares the next one."""
        return tasks.claim_build(str(run_id))

    # On a night with nothing new, skips at once every task after it that needs all of its upstream
    # to succeed; the report and the verdict (none_failed) still run.
    @task
    def anything_new(claimed: str | None, task: Any = None) -> dict[str, Any]:
        return tasks.describe_build_or_skip(claimed, task)

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
        """The static HTML report of the served warehouse (read-only, replaced by a rename), and
        dbt's documentation page beside it."""
        return tasks.write_html_report()

    @task(trigger_rule="none_failed")
    def reconciliation_verdict(
        documents_stage: dict[str, Any] | None, warehouse_stage: dict[str, Any] | None
    ) -> None:
        tasks.reconciliation_verdict(documents_stage, warehouse_stage)

    dbt_staging, dbt_checks_across, dbt_marts = (dbt_build(task_id) for task_id in tasks.DBT_BUILDS)
    documents_stage = reconcile_documents()
    warehouse_stage = reconcile_warehouse()
    published = publish(documents_stage, warehouse_stage)
    anything_new(claim()) >> dbt_staging >> documents_stage >> dbt_checks_across >> warehouse_stage
    warehouse_stage >> dbt_marts >> published
    published >> report() >> reconciliation_verdict(documents_stage, warehouse_stage)


jixiao_transform()

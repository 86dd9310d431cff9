"""
### jixiao transform (on each update of the Asset `jixiao_raw`)

Claims the build the landing prepared and completes it with dbt through Cosmos (per task group,
one `dbt build` and one `dbt test`), with reconciliation (Great Expectations, suites in `expectations/`)
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
7. `report`: the static HTML report (`report.html` beside the warehouse) and dbt's documentation
   site as one page (`dbt-docs.html`);
8. `reconciliation_verdict`: fails the run, after publishing, when a current document was rejected
   or held back (it reads both checkpoints' results, or on a night with nothing new the served
   publication's).

On an incremental build (a copy of the served warehouse, `anything_new`'s XCom says which), each
`dbt build` makes only its group's tables and each `dbt test` selects the group's tests downstream of
a source the build changed (README, Incremental builds).

A failed model or test, or an unresolved check across documents, leaves the warehouse published
before in place.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import dag, task
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import DbtResourceType, LoadMode, SeedRenderingBehavior, TestBehavior

from jixiao.airflow import dbt_invocation, tasks
from jixiao.airflow.dbt_manifest import dbt_manifest
from jixiao.airflow.tasks import RAW_ASSET
from jixiao.runtime.settings import WAREHOUSE_POOL, Settings

# --- dbt through Cosmos ----------------------------------------------------------------------------

settings = Settings.from_env()
project_config = ProjectConfig(
    dbt_project_path=settings.dbt_project_dir,
    # The task groups are rendered from dbt's manifest, parsed again only when a project file
    # changed (`jixiao.airflow.dbt_manifest`), whatever Airflow home or process renders them.
    manifest_path=dbt_manifest(settings.dbt_project_dir),
    # dbt builds the new warehouse, never the served one; it keeps the file open for a whole
    # invocation (closed at its end: `jixiao.airflow.dbt_invocation`).
    env_vars={
        "JIXIAO_DBT_WAREHOUSE": str(settings.state.transform_warehouse),
        dbt_invocation.KEEP_OPEN_ENV: "True",
    },
    install_dbt_deps=False,
)
profile_config = ProfileConfig(
    profile_name="jixiao",
    target_name="warehouse",
    profiles_yml_filepath=settings.dbt_project_dir / "profiles.yml",
)
# One `dbt build` per task group (Cosmos' watcher producer); dbt runs in the night's dbt server,
# or in the task's process.
execution_config = dbt_invocation.execution_config()
operator_args = {
    # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
    "pool": WAREHOUSE_POOL,
    # No Airflow Asset per model: nothing is scheduled on them, and each one is an event the
    # scheduler records every night.
    "emit_datasets": False,
    # No manifest.json and run_results.json per invocation: nothing reads them (the watcher takes
    # each node's result from dbt's events), and after each invocation Cosmos would load both again
    # to derive OpenLineage events nobody receives. dbt's partial-parse file is still written.
    # No debug log file either: Cosmos runs each invocation in a copy of the project it deletes
    # afterwards, and dbt's threads queued on that file's lock (a third of their time in a build).
    "dbt_cmd_global_flags": ["--no-write-json", "--log-level-file", "none"],
    # After each dbt invocation, succeeded or failed: the build is closed for the next reader.
    **dbt_invocation.closing_args(),
}


def reported_by_the_producer(**_: Any) -> None:
    """No task of its own for a model: the group's producer builds it and its log reports it (a
    model that fails fails the producer, and the night). Each model's task (Cosmos' watcher
    sensor) only read the producer's result, and cost every night an Airflow task, in production a
    Celery task (docs/performance.md)."""
    return None


def render_config(*, select: list[str] | None = None, exclude: list[str] | None = None) -> RenderConfig:
    """Which nodes a task group's build holds, by the dbt tags of dbt_project.yml: no task per
    model (`reported_by_the_producer`), and one for the group's tests (`dbt test` on the group once
    its models are built: a failing test stops the run before the next stage, and a relationships
    test always finds both its models). Not inside the producer's `dbt build`: the producer records
    every node's result as an XCom, a test's too, and a one-document night took a quarter more CPU
    (docs/performance.md)."""
    return RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        select=select or [],
        exclude=exclude or [],
        test_behavior=TestBehavior.AFTER_ALL,
        seed_rendering_behavior=SeedRenderingBehavior.NONE,
        node_converters={DbtResourceType.MODEL: reported_by_the_producer},
    )


def dbt_group(group_id: str, render: RenderConfig) -> DbtTaskGroup:
    return DbtTaskGroup(
        group_id=group_id,
        project_config=project_config,
        profile_config=profile_config,
        execution_config=execution_config,
        operator_args=operator_args,
        render_config=render,
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

    # Seeds, staging and what the document checks read (tag before_document_checks); the serving
    # documents and the rows of the checks across documents (tag before_warehouse_checks); then
    # everything else, the marts among it.
    dbt_staging = dbt_group("dbt_staging", render_config(select=["tag:before_document_checks"]))
    dbt_checks_across = dbt_group("dbt_checks_across", render_config(select=["tag:before_warehouse_checks"]))
    dbt_marts = dbt_group(
        "dbt_marts",
        render_config(exclude=["tag:before_document_checks", "tag:before_warehouse_checks"]),
    )
    # A failed dbt build fails the night at once: Cosmos skips a retried producer (it never runs a
    # second build), and the run would then end successful with nothing published.
    # The group's tests run on what its build made: after the build, not only after the tables'
    # tasks (a group of views alone has none, and its tests would start beside the build).
    # On an incremental build, each `dbt build` makes only its tables (the seeds, views and unit
    # tests are the served warehouse's, as the same project made them) and each `dbt test` tests
    # what is downstream of a source the build changed.
    for group in (dbt_staging, dbt_checks_across, dbt_marts):
        producer = group.children[f"{group.group_id}.dbt_producer_watcher"]
        tests = group.children[f"{group.group_id}.dbt_project_test"]
        producer.retries = 0
        producer.dbt_cmd_flags = [*producer.dbt_cmd_flags, *tasks.build_flags()]
        tests.select = tasks.selection_for_tests(tests.select)
        producer >> tests
    documents_stage = reconcile_documents()
    warehouse_stage = reconcile_warehouse()
    published = publish(documents_stage, warehouse_stage)
    anything_new(claim()) >> dbt_staging >> documents_stage >> dbt_checks_across >> warehouse_stage
    warehouse_stage >> dbt_marts >> published
    published >> report() >> reconciliation_verdict(documents_stage, warehouse_stage)


jixiao_transform()

"""What the DAGs call: each task body is one call here, so DAG files only wire tasks together; and
the Cosmos configuration of the dbt task groups, in plain sight.

Values cross task boundaries as plain JSON (XCom), never as Python objects.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, TriggerRule
from airflow.sdk.exceptions import AirflowFailException, DownstreamTasksSkipped
from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from jixiao.dbt_manifest import dbt_manifest
from jixiao.settings import WAREHOUSE_POOL, Settings

RAW_ASSET = Asset("jixiao_raw", uri="file:///jixiao/raw")
log = logging.getLogger(__name__)


def default_args() -> dict[str, Any]:
    settings = Settings.from_env()
    return {"owner": "jixiao", "retries": 2, "retry_delay": timedelta(seconds=settings.retry_delay_seconds)}


# --- landing ---------------------------------------------------------------------------------------


def discover_documents(params: dict[str, Any]) -> dict[str, Any]:
    """`new` (to parse: source path and sha256), `unchanged` and `renamed`: one XCom each."""
    from jixiao.landing import discover

    year = params.get("year")
    found = discover(
        Settings.from_env(), year=int(year) if year else None, department=params.get("department") or None
    )
    return {
        "new": [list(item) for item in found.new],
        "unchanged": found.unchanged,
        "renamed": found.renamed,
        "withdrawn": found.withdrawn,
    }


def batches_of(new: list[list[str]]) -> list[list[list[str]]]:
    """The new documents in batches of `JIXIAO_BATCH_SIZE`: one mapped `parse` task each."""
    from jixiao.landing import in_batches

    return in_batches(new, Settings.from_env().batch_size)


def parse_documents(batch: list[list[str]]) -> list[dict[str, Any]]:
    from jixiao.landing import parse_batch

    outcomes = parse_batch(Settings.from_env(), [(source_path, sha) for source_path, sha in batch])
    return [dataclasses.asdict(outcome) for outcome in outcomes]


def load_raw(unchanged: list[str], renamed: list[str], parsed: list[list[dict[str, Any]]]) -> dict[str, Any]:
    from jixiao.landing import Discovery, Outcome, load
    from jixiao.state import write_state

    settings = Settings.from_env()
    outcomes = [Outcome(**outcome) for batch in parsed for outcome in batch]
    summary = load(settings, outcomes, Discovery(unchanged=list(unchanged), renamed=list(renamed))).as_dict()
    write_state(settings, "last_landing.json", summary)
    return summary


# --- transform -------------------------------------------------------------------------------------


def claim_build() -> str | None:
    """The build this run completes; None when the landing made none (nothing changed)."""
    from jixiao.publish import claim_build as claim

    return claim(Settings.from_env())


def skip_unless_anything_new(claimed: str | None, task: Any) -> None:
    """When the landing made no build (nothing changed), say so and skip the build: the served
    publication stands.

    Skipped are the tasks after this one (`task`) that need all of their upstream to succeed: the
    trigger rules would skip the same ones, but one level of the graph per pass of the scheduler
    (under `dag.test()` each pass without a task to run sleeps a second, seven a night). The tasks
    with another rule (the report, the verdict, Cosmos' gates) follow it as before.
    """
    if claimed is not None:
        return
    from jixiao.inputs import published

    record = published(Settings.from_env()) or {}
    log.info(
        "nothing changed since the publication of %s (documents, parser, dbt project and suites): "
        "not rebuilt, not re-checked, not re-published",
        record.get("published_at", "?"),
    )
    raise DownstreamTasksSkipped(  # type: ignore[no-untyped-call]
        tasks=[
            downstream.task_id
            for downstream in task.get_flat_relatives(upstream=False)
            if downstream.trigger_rule == TriggerRule.ALL_SUCCESS
        ]
    )


def reconcile(stage: str, run_id: str) -> dict[str, Any]:
    """A reconciliation checkpoint on the claimed build. Rejected and held-back documents are only
    reported here (see `reconciliation_verdict`); a failure across documents that holding back could
    not resolve stops the run before publishing."""
    from jixiao.apart import GATE_WORKER, run_warm
    from jixiao.reconciliation import run_stage

    result = run_warm(GATE_WORKER, run_stage, Settings.from_env(), stage, run_id)  # type: ignore[arg-type]
    if stage == "warehouse" and result.failures:
        raise AirflowFailException(
            "reconciliation blocked publication; the warehouse published before keeps serving:\n"
            + "\n".join(result.failures)
        )
    return dataclasses.asdict(result)


def publish_build(
    run_id: str, documents_stage: dict[str, Any], warehouse_stage: dict[str, Any]
) -> dict[str, Any]:
    from jixiao.apart import WAREHOUSE_WORKER, run_warm
    from jixiao.publish import publish

    rejected = [*(documents_stage.get("rejected") or []), *(warehouse_stage.get("rejected") or [])]
    return run_warm(WAREHOUSE_WORKER, publish, Settings.from_env(), run_id, rejected)


def write_html_report() -> str | None:
    """The static HTML report of the served publication (`jixiao.report.refresh_report`)."""
    from jixiao.apart import WAREHOUSE_WORKER, run_warm
    from jixiao.report import refresh_report

    return run_warm(WAREHOUSE_WORKER, refresh_report, Settings.from_env())


def reconciliation_verdict(
    documents_stage: dict[str, Any] | None, warehouse_stage: dict[str, Any] | None
) -> None:
    """After publishing: fail the run (so the nightly alert fires) if a current document was rejected
    or held back.

    On a night with nothing new (no stage ran) the served publication's verdict stands: a document
    rejected then is still rejected, and still fails the run.
    """
    from jixiao.inputs import served_documents_stage
    from jixiao.reconciliation import verdict

    if documents_stage is None:
        failures = verdict(served_documents_stage(Settings.from_env()))
    else:
        failures = verdict(documents_stage, *([warehouse_stage] if warehouse_stage else []))
    if failures:
        raise AirflowFailException(
            f"{len(failures)} reconciliation error(s): these documents were kept out of the marts "
            "(an earlier accepted version serves, if any); everything else was published:\n"
            + "\n".join(failures)
        )


# --- dbt through Cosmos ----------------------------------------------------------------------------

_SETTINGS = Settings.from_env()

DBT_PROJECT = ProjectConfig(
    dbt_project_path=_SETTINGS.dbt_project_dir,
    # The task groups are rendered from dbt's manifest, parsed again only when a project file
    # changed (`jixiao.dbt_manifest`), whatever Airflow home or process renders them.
    manifest_path=dbt_manifest(_SETTINGS.dbt_project_dir),
    # dbt builds the new warehouse, never the served one.
    env_vars={"JIXIAO_DBT_WAREHOUSE": str(_SETTINGS.transform_warehouse)},
    install_dbt_deps=False,
)
DBT_PROFILE = ProfileConfig(
    profile_name="jixiao",
    target_name="warehouse",
    profiles_yml_filepath=_SETTINGS.dbt_project_dir / "profiles.yml",
)
# One `dbt build` per task group (Cosmos' watcher producer, dbt in this process), and a task per
# model and seed reporting its result; see `producer_first` and docs/performance.md.
DBT_EXECUTION = ExecutionConfig(
    execution_mode=ExecutionMode.WATCHER, invocation_mode=InvocationMode.DBT_RUNNER
)
DBT_OPERATOR_ARGS = {
    # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
    "pool": WAREHOUSE_POOL,
    # The model tasks only read the producer's results: they give their worker slot back between
    # looks (under a scheduler), and need no triggerer.
    "deferrable": False,
    "mode": "reschedule",
    "poke_interval": 5,
    # No Airflow Asset per model: nothing is scheduled on them, and each one is an event the
    # scheduler records every night.
    "emit_datasets": False,
    # No manifest.json and run_results.json per invocation: nothing reads them (the watcher takes
    # each node's result from dbt's events), and after each invocation Cosmos would load both again
    # to derive OpenLineage events nobody receives. dbt's partial-parse file is still written.
    # No debug log file either: Cosmos runs each invocation in a copy of the project it deletes
    # afterwards, and dbt's threads queued on that file's lock (a third of their time in a build).
    "dbt_cmd_global_flags": ["--no-write-json", "--log-level-file", "none"],
}
# What every dbt task group of the transform shares; each group adds its own `render_config`.
DBT_GROUP_CONFIG: dict[str, Any] = {
    "project_config": DBT_PROJECT,
    "profile_config": DBT_PROFILE,
    "execution_config": DBT_EXECUTION,
    "operator_args": DBT_OPERATOR_ARGS,
}

# Each group by its dbt tag (dbt_project/dbt_project.yml). What the document checks need, built
# before them: every staging model and seed (so each test finds all its parents in the same group),
# and audit_document_checks with its ancestors.
BEFORE_DOCUMENT_CHECKS = ["tag:before_document_checks"]
# What the checks across documents need and the staging group has not built: the documents that
# serve (after the document checks) and the check rows, before the marts, which leave rejected and
# held-back documents out. Both views: they see each document held back at once.
BEFORE_WAREHOUSE_CHECKS = ["tag:before_warehouse_checks"]


def dbt_render(*, select: list[str] | None = None, exclude: list[str] | None = None) -> RenderConfig:
    """Which models a task group holds: one task per model and seed, and one for the group's tests
    (`dbt test` on the group once its models are built: a failing test stops the run before the
    next stage, and a relationships test always finds both its models)."""
    return RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        select=select or [],
        exclude=exclude or [],
        test_behavior=TestBehavior.AFTER_ALL,
    )


def producer_first(group: Any) -> None:
    """In a watcher task group, make the one `dbt build` (the producer) run before the model tasks
    that report on it.

    Cosmos leaves the producer unconnected in a task group so that, under a scheduler, its sensors
    watch the build as it goes. `dag.test()` runs one task at a time: a sensor started before the
    producer would wait for ever. With the producer first, each sensor finds its model's result at
    its first look; under a scheduler the same order costs nothing, the sensors only report.
    """
    tasks = {task.task_id: task for task in group.iter_tasks()}
    producer = next(task for task_id, task in tasks.items() if task_id.endswith(".dbt_producer_watcher"))
    for task_id, task in tasks.items():
        if task is producer or task_id.endswith(".dbt_producer_watcher_done"):
            continue
        if not task.upstream_task_ids.intersection(tasks):
            producer >> task

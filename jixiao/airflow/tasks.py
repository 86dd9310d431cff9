"""What the DAGs call: each task body is one call here, so DAG files only wire tasks together.

Values cross task boundaries as plain JSON (XCom), never as Python objects. The stages are imported
inside each task, so that parsing a DAG file (and a Celery worker's preload) imports none of them.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, TriggerRule
from airflow.sdk.exceptions import AirflowFailException, DownstreamTasksSkipped

from jixiao.runtime.dbt_project import REBUILT_IN_AN_INCREMENTAL_BUILD
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note

RAW_ASSET = Asset("jixiao_raw", uri="file:///jixiao/raw")
log = logging.getLogger(__name__)


def default_args() -> dict[str, Any]:
    """Every task's: its retries and who is told when it fails for good."""
    from jixiao.airflow.alerts import failure_notifiers

    settings = Settings.from_env()
    return {
        "owner": "jixiao",
        "retries": 2,
        "retry_delay": timedelta(seconds=settings.retry_delay_seconds),
        "on_failure_callback": failure_notifiers(settings),
    }


def deadline() -> list[Any]:
    """Each DAG's deadline alert: who is told when a run has not ended in time (none when off)."""
    from jixiao.airflow.alerts import night_deadlines

    return night_deadlines(Settings.from_env())


# --- landing ---------------------------------------------------------------------------------------


def discover_documents(params: dict[str, Any]) -> dict[str, Any]:
    """`new` (to parse: source path and sha256), how many are `unchanged`, `renamed` and `withdrawn`:
    one XCom. The unchanged files are counted, not listed: every night would otherwise pass the
    whole folder's names through XCom twice (10,000 paths, half a megabyte, at 10,000 documents)."""
    from jixiao.stages.land import discover

    year = params.get("year")
    found = discover(
        Settings.from_env(), year=int(year) if year else None, department=params.get("department") or None
    )
    return {
        "new": [list(item) for item in found.new],
        "unchanged": len(found.unchanged),
        "renamed": found.renamed,
        "withdrawn": found.withdrawn,
    }


def batches_of(new: list[list[str]]) -> list[list[list[str]]]:
    """The new documents in batches of `JIXIAO_BATCH_SIZE`: one mapped `parse` task each."""
    from jixiao.stages.land import in_batches

    return in_batches(new, Settings.from_env().batch_size)


def parse_documents(batch: list[list[str]]) -> list[dict[str, Any]]:
    from jixiao.stages.land import parse_batch

    outcomes = parse_batch(Settings.from_env(), [(source_path, sha) for source_path, sha in batch])
    return [dataclasses.asdict(outcome) for outcome in outcomes]


def load_raw(
    unchanged: int | list[str],
    renamed: list[str],
    parsed: list[list[dict[str, Any]]],
    params: dict[str, Any],
) -> dict[str, Any]:
    from jixiao.stages.land import Outcome, load

    settings = Settings.from_env()
    outcomes = [Outcome(**outcome) for batch in parsed for outcome in batch]
    summary = load(
        settings,
        outcomes,
        # A list: the XCom of a `discover` that ran before unchanged files were counted (a run
        # begun before an upgrade).
        unchanged=unchanged if isinstance(unchanged, int) else len(unchanged),
        renamed=renamed,
        full_rebuild=bool(params.get("full_rebuild")),
    ).as_dict()
    settings.state.write(Note.LANDING, summary)
    return summary


# --- transform -------------------------------------------------------------------------------------


def claim_build(run_id: str) -> str | None:
    """The build this run completes; None when the landing made none (nothing changed)."""
    from jixiao.stages.publish import claim_build as claim

    return claim(Settings.from_env(), run_id)


def describe_build_or_skip(claimed: str | None, task: Any) -> dict[str, Any]:
    """The claimed build's `mode` (`full` or `incremental`) and, when incremental, its
    `changed_sources` (`jixiao.stages.build.changed_sources`): an XCom the dbt tasks' flags read
    (`build_selection`, `build_exclusion`). When the landing made no build (nothing changed), say so and skip
    the build: the served publication stands.

    Skipped are the tasks after this one (`task`) that need all of their upstream to succeed: the
    trigger rules would skip the same ones, but one level of the graph per pass of the scheduler
    (under `dag.test()` each pass without a task to run sleeps a second, seven a night). The tasks
    with another rule (the report, the verdict, Cosmos' gates) follow it as before.
    """
    if claimed is not None:
        from jixiao.stages.build import build_mode, changed_sources

        build = Path(claimed)
        mode = build_mode(build)
        return {"mode": mode, "changed_sources": changed_sources(build) if mode == "incremental" else None}
    record = Settings.from_env().state.publication() or {}
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


# Where a dbt task's templated flags find the build it works on (the XCom of `describe_build_or_skip`).
THE_BUILD = "ti.xcom_pull(task_ids='anything_new')"


# The transform's dbt builds in the night's order, by the dbt tags of dbt_project.yml: each one's
# selectors and exclusions. Seeds, staging and what the document checks read; the serving documents
# and the rows of the checks across documents; then everything else, the marts among it.
DBT_BUILDS = {
    "dbt_staging": ("tag:before_document_checks", ""),
    "dbt_checks_across": ("tag:before_warehouse_checks", ""),
    "dbt_marts": ("fqn:*", "tag:before_document_checks tag:before_warehouse_checks"),
}
# The group of views only (tests/dbt_project/test_task_groups.py): an incremental build makes none of
# it again, so it calls no dbt at all; its tests run in the marts build instead. A test failing
# there stops the night before publication as one failing before the checkpoint would.
VIEWS_ONLY_GROUP = "tag:before_warehouse_checks"


def _incremental(build: dict[str, Any] | None) -> list[str] | None:
    """The sources an incremental build changed; None for a full build (or none)."""
    return (build or {}).get("changed_sources") or None


def build_selection(build: dict[str, Any] | None, group: str) -> str:
    """The `--select` of a group's `dbt build` (`group`: the group's selectors). On a full build, the
    whole group: seeds, models, data and unit tests. On an incremental build (a copy of the served
    warehouse the same project made), the group's tables downstream of a source the build changed,
    with the group's data tests downstream of one: the rest (views, seeds, tables of unchanged
    inputs) holds what a full build would make, and its tests passed on the night that published
    it. Empty for `VIEWS_ONLY_GROUP` on an incremental build: the task then runs no dbt."""
    changed = _incremental(build)
    if not changed:
        return group
    if group == VIEWS_ONLY_GROUP:
        return ""
    return " ".join(
        f"{selector},source:{name}+,{kind}"
        for selector in group.split()
        for name in changed
        for kind in REBUILT_IN_AN_INCREMENTAL_BUILD
    )


def build_exclusion(build: dict[str, Any] | None, group: str) -> str:
    """The `--exclude` of a group's `dbt build` (`group`: what the group leaves to the others); on an
    incremental build also the unit tests, which passed with the same project, not
    `VIEWS_ONLY_GROUP`, whose tests this build runs then, and the views over a raw record table the
    build did not change, with their tests: those read the rows of the versions the build computes
    (dbt_project.yml), and such a table holds none."""
    changed = _incremental(build)
    if not changed:
        return group
    # Here, not at the module's top: parsing the DAGs (and a Celery worker's preload) imports no
    # DuckDB or Arrow.
    from jixiao.runtime.warehouse import RAW_RECORD_TABLES

    unchanged_records = [table.qualified for table in RAW_RECORD_TABLES if table.qualified not in changed]
    return " ".join(
        [
            *(selector for selector in group.split() if selector != VIEWS_ONLY_GROUP),
            "resource_type:unit_test",
            *(f"source:{name}+1" for name in unchanged_records),
        ]
    )


def build_flags(select: str, exclude: str = "") -> list[str]:
    """A group's `dbt build` flags, rendered when it runs (`build_selection`, `build_exclusion`)."""
    exclusion = f"build_exclusion({THE_BUILD}, '{exclude}')"
    return [
        "--select",
        "{{ build_selection(" + THE_BUILD + ", '" + select + "') }}",
        "{{ '--exclude' if " + exclusion + " else '' }}",
        "{{ " + exclusion + " }}",
    ]


# What the dbt tasks' templates call.
TEMPLATE_MACROS = {"build_selection": build_selection, "build_exclusion": build_exclusion}


def reconcile(stage: str, run_id: str) -> dict[str, Any]:
    """A reconciliation checkpoint on the claimed build. Rejected and held-back documents are only
    reported here (see `reconciliation_verdict`); a failure across documents that holding back could
    not resolve stops the run before publishing."""
    from jixiao.runtime.workers import GATE_WORKER, is_warm, run_in_background, run_warm
    from jixiao.stages.check.checkpoint import render_data_docs
    from jixiao.stages.check.run import run_stage

    settings = Settings.from_env()
    # In a night's process the gate's worker renders the stage's Data Docs while the night goes on
    # (the next dbt build runs in another process); a fresh worker renders them before it ends.
    in_a_night = is_warm(GATE_WORKER)
    result = run_warm(GATE_WORKER, run_stage, settings, stage, run_id, data_docs=not in_a_night)  # type: ignore[arg-type]
    if in_a_night:
        run_in_background(GATE_WORKER, render_data_docs, settings)
    if stage == "warehouse" and result.failures:
        raise AirflowFailException(
            "reconciliation blocked publication; the warehouse published before keeps serving:\n"
            + "\n".join(result.failures)
        )
    return dataclasses.asdict(result)


def publish_build(
    run_id: str, documents_stage: dict[str, Any], warehouse_stage: dict[str, Any]
) -> dict[str, Any]:
    from jixiao.runtime.workers import WAREHOUSE_WORKER, run_warm
    from jixiao.stages.publish import publish

    rejected = [*(documents_stage.get("rejected") or []), *(warehouse_stage.get("rejected") or [])]
    return run_warm(WAREHOUSE_WORKER, publish, Settings.from_env(), run_id, rejected)


def write_html_report() -> str | None:
    """The static HTML report of the served publication (`jixiao.stages.report.refresh_report`),
    and dbt's documentation page beside it (`jixiao.stages.dbt_docs`)."""
    from jixiao.runtime.workers import WAREHOUSE_WORKER, run_warm
    from jixiao.stages.dbt_docs import refresh_dbt_docs
    from jixiao.stages.report import refresh_report

    settings = Settings.from_env()
    report = run_warm(WAREHOUSE_WORKER, refresh_report, settings)
    if report is not None:
        refresh_dbt_docs(settings)
    return report


def reconciliation_verdict(
    documents_stage: dict[str, Any] | None, warehouse_stage: dict[str, Any] | None
) -> None:
    """After publishing: fail the run (so the nightly alert fires) if a current document was rejected
    or held back.

    On a night with nothing new (no stage ran) the served publication's verdict stands: a document
    rejected then is still rejected, and still fails the run.
    """
    from jixiao.stages.check import verdict

    if documents_stage is None:
        failures = verdict(Settings.from_env().state.served_documents_stage())
    else:
        failures = verdict(documents_stage, *([warehouse_stage] if warehouse_stage else []))
    if failures:
        raise AirflowFailException(
            f"{len(failures)} reconciliation error(s): these documents were kept out of the marts "
            "(an earlier accepted version serves, if any); everything else was published:\n"
            + "\n".join(failures)
        )

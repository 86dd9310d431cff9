"""What the DAGs call: each task body is one call here, so DAG files only wire tasks together.

Values cross task boundaries as plain JSON (XCom), never as Python objects.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset

from ingest.settings import Settings

RAW_ASSET = Asset("jixiao_raw", uri="file:///jixiao/raw")
WAREHOUSE_POOL = "jixiao_warehouse"  # one slot: DuckDB has one writer at a time


def default_args() -> dict[str, Any]:
    settings = Settings.from_env()
    return {"owner": "jixiao", "retries": 2, "retry_delay": timedelta(seconds=settings.retry_delay_seconds)}


def discover_batches(params: dict[str, Any]) -> dict[str, object]:
    from ingest.pipeline import discover

    settings = Settings.from_env()
    year = params.get("year")
    found = discover(settings, year=int(year) if year else None, department=params.get("department") or None)
    return {
        "batches": [[list(item) for item in batch] for batch in found.batches(settings.batch_size)],
        "unchanged": found.unchanged,
        "renamed": found.renamed,
    }


def parse_documents(batch: list[list[str]]) -> list[dict[str, object]]:
    from ingest.pipeline import parse_batch

    outcomes = parse_batch(Settings.from_env(), [(source_path, sha) for source_path, sha in batch])
    return [dataclasses.asdict(outcome) for outcome in outcomes]


def load_raw(discovery: dict[str, Any], parsed: list[list[dict[str, Any]]]) -> dict[str, object]:
    from ingest.pipeline import Discovery, Outcome, load
    from ingest.publish import write_state

    settings = Settings.from_env()
    outcomes = [Outcome(**outcome) for batch in parsed for outcome in batch]
    found = Discovery(unchanged=list(discovery["unchanged"]), renamed=list(discovery["renamed"]))
    summary = load(settings, outcomes, found).as_dict()
    write_state(settings, "last_landing.json", summary)
    return summary


def claim_build() -> str:
    from ingest.publish import claim_build as claim

    return claim(Settings.from_env())


def publish_build(run_id: str) -> dict[str, object]:
    from ingest.publish import publish

    return publish(Settings.from_env(), run_id)


def check_stage(stage: str, run_id: str) -> dict[str, object]:
    """A reconciliation checkpoint on the claimed build. Errors in warehouse-wide checks stop the
    run before publishing; rejected documents are only reported here (see `reconciliation_verdict`)."""
    from airflow.sdk.exceptions import AirflowFailException

    from ingest.gate import run_stage

    result = run_stage(Settings.from_env(), stage, run_id)  # type: ignore[arg-type]
    if stage == "warehouse" and result.failures:
        raise AirflowFailException(
            "reconciliation blocked publication; the warehouse published before keeps serving:\n"
            + "\n".join(result.failures)
        )
    return dataclasses.asdict(result)


def write_html_report(run_id: str) -> str:
    from ingest.html_report import write_report

    settings = Settings.from_env()
    return str(write_report(settings.warehouse, settings.report_path, run_id))


def reconciliation_verdict(run_id: str) -> None:
    """After publishing: fail the run (so the nightly alert fires) if a current document was rejected."""
    from airflow.sdk.exceptions import AirflowFailException

    from ingest.gate import verdict

    failures = verdict(Settings.from_env(), run_id)
    if failures:
        raise AirflowFailException(
            f"{len(failures)} reconciliation error(s): these documents were kept out of the marts "
            "(an earlier accepted version serves, if any); everything else was published:\n"
            + "\n".join(failures)
        )


# What the document checks need, built before them: every staging model and seed (so each test
# finds all its parents in the same group), and audit_document_checks with its ancestors. The
# marts, built after the checks, leave rejected documents out.
BEFORE_DOCUMENT_CHECKS = ["path:models/staging", "resource_type:seed", "+audit_document_checks"]


def dbt_task_group(group_id: str, *, select: list[str] | None = None, exclude: list[str] | None = None):
    import sys
    from pathlib import Path

    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    settings = Settings.from_env()
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir,
            # dbt builds the new warehouse, never the served one.
            env_vars={"JIXIAO_DBT_WAREHOUSE": str(settings.transform_warehouse)},
            install_dbt_deps=False,
        ),
        profile_config=ProfileConfig(
            profile_name="jixiao",
            target_name="warehouse",
            profiles_yml_filepath=settings.dbt_project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            # Measured (README): LOCAL with the in-process dbt runner; WATCHER never finished under
            # `airflow dags test` and cannot run tests as part of each model's build.
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        render_config=RenderConfig(
            # `dbt ls` (cached by Cosmos until the project's files change) through the dbt of this
            # interpreter's environment, so parsing works whatever PATH the scheduler was given.
            load_method=LoadMode.DBT_LS,
            select=select or [],
            exclude=exclude or [],
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=Path(sys.executable).with_name("dbt"),
            test_behavior=TestBehavior.BUILD,
            # A relationships test needs both models built: run it after both, not inside either.
            should_detach_multiple_parents_tests=True,
        ),
        # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
        operator_args={"pool": WAREHOUSE_POOL},
    )

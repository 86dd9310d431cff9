"""What the DAGs call: each task body is one call here, so DAG files only wire tasks together; and
the Cosmos configuration of the dbt task groups, in plain sight.

Values cross task boundaries as plain JSON (XCom), never as Python objects.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowFailException
from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from jixiao.settings import WAREHOUSE_POOL, Settings

RAW_ASSET = Asset("jixiao_raw", uri="file:///jixiao/raw")


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
    return {"new": [list(item) for item in found.new], "unchanged": found.unchanged, "renamed": found.renamed}


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


def claim_build() -> str:
    from jixiao.publish import claim_build as claim

    return claim(Settings.from_env())


def reconcile(stage: str, run_id: str) -> dict[str, Any]:
    """A reconciliation checkpoint on the claimed build. Errors in checks across documents stop the
    run before publishing; rejected documents are only reported here (see `reconciliation_verdict`)."""
    from jixiao.reconciliation import run_stage

    result = run_stage(Settings.from_env(), stage, run_id)  # type: ignore[arg-type]
    if stage == "warehouse" and result.failures:
        raise AirflowFailException(
            "reconciliation blocked publication; the warehouse published before keeps serving:\n"
            + "\n".join(result.failures)
        )
    return dataclasses.asdict(result)


def publish_build(run_id: str) -> dict[str, Any]:
    from jixiao.publish import publish

    return publish(Settings.from_env(), run_id)


def write_html_report(run_id: str) -> str:
    from jixiao.report import write_report

    settings = Settings.from_env()
    return str(write_report(settings.warehouse, settings.report_path, run_id))


def reconciliation_verdict(documents_stage: dict[str, Any]) -> None:
    """After publishing: fail the run (so the nightly alert fires) if a current document was rejected."""
    from jixiao.reconciliation import verdict

    failures = verdict(documents_stage)
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
    # dbt builds the new warehouse, never the served one.
    env_vars={"JIXIAO_DBT_WAREHOUSE": str(_SETTINGS.transform_warehouse)},
    install_dbt_deps=False,
)
DBT_PROFILE = ProfileConfig(
    profile_name="jixiao",
    target_name="warehouse",
    profiles_yml_filepath=_SETTINGS.dbt_project_dir / "profiles.yml",
)
# Measured (docs/performance.md): LOCAL with the in-process dbt runner; WATCHER never finished under
# `airflow dags test` and cannot run tests as part of each model's build.
DBT_EXECUTION = ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER)
DBT_OPERATOR_ARGS = {
    # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
    "pool": WAREHOUSE_POOL,
    # Not `--no-write-json` (0.3 s less per task): Cosmos reads the manifest.json each run writes.
    # No Airflow Asset per model: nothing is scheduled on them, and each one is an event the
    # scheduler records every night.
    "emit_datasets": False,
}
# What every dbt task group of the transform shares; each group adds its own `render_config`.
DBT_GROUP_CONFIG: dict[str, Any] = {
    "project_config": DBT_PROJECT,
    "profile_config": DBT_PROFILE,
    "execution_config": DBT_EXECUTION,
    "operator_args": DBT_OPERATOR_ARGS,
}

# What the document checks need, built before them: every staging model and seed (so each test
# finds all its parents in the same group), and audit_document_checks with its ancestors. The
# marts, built after the checks, leave rejected documents out.
BEFORE_DOCUMENT_CHECKS = ["path:models/staging", "resource_type:seed", "+audit_document_checks"]


def dbt_render(*, select: list[str] | None = None, exclude: list[str] | None = None) -> RenderConfig:
    """Which models a task group holds, one task per model with its tests."""
    return RenderConfig(
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
    )

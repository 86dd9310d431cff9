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


def publish_build() -> dict[str, object]:
    from ingest.publish import publish

    return publish(Settings.from_env())


def dbt_task_group():
    import sys
    from pathlib import Path

    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    settings = Settings.from_env()
    return DbtTaskGroup(
        group_id="transform",
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
            invocation_mode=InvocationMode.SUBPROCESS,
            dbt_executable_path=Path(sys.executable).with_name("dbt"),
            test_behavior=TestBehavior.BUILD,
            # A relationships test needs both models built: run it after both, not inside either.
            should_detach_multiple_parents_tests=True,
        ),
        # Every dbt task writes the build file: they queue on the warehouse pool's one slot.
        operator_args={"pool": WAREHOUSE_POOL},
    )

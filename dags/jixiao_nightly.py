"""
### jixiao nightly refresh

Lands every budget-performance PDF under `JIXIAO_LANDING_DIR` into the raw schema of the DuckDB
warehouse (`JIXIAO_WAREHOUSE`), then builds the dbt project (staging → marts) through Cosmos, one
Airflow task per dbt model with its tests (`dbt build` per node).

A document that cannot be parsed is quarantined (`raw.quarantine`, with the reason) and the run
goes on; what was landed before stays as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from ingest.settings import Settings

settings = Settings.from_env()

dbt_env = {"JIXIAO_WAREHOUSE": str(settings.warehouse)}


@dag(
    dag_id="jixiao_nightly",
    schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"),
    start_date=pendulum.datetime(2026, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["jixiao", "nightly"],
    default_args={
        "owner": "jixiao",
        "retries": 2,
        "retry_delay": pendulum.duration(seconds=settings.retry_delay_seconds),
    },
    doc_md=__doc__,
)
def jixiao_nightly() -> None:
    @task
    def land_documents() -> dict[str, object]:
        """Parse every landed PDF and write its records to the raw schema (bad ones: quarantine)."""
        from ingest.pipeline import land_all

        return land_all(Settings.from_env()).as_dict()

    transform = DbtTaskGroup(
        group_id="transform",
        project_config=ProjectConfig(
            dbt_project_path=settings.dbt_project_dir, env_vars=dbt_env, install_dbt_deps=False
        ),
        profile_config=ProfileConfig(
            profile_name="jixiao",
            target_name="warehouse",
            profiles_yml_filepath=settings.dbt_project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
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
    )

    land_documents() >> transform


jixiao_nightly()

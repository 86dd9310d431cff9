"""Every DAG file imports cleanly, has no cycle, and carries tags and retries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def dagbag(airflow_home: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_landing_and_transform_dags_are_there(dagbag) -> None:
    assert {"jixiao_landing", "jixiao_transform"} <= set(dagbag.dag_ids)


def test_no_cycles(dagbag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle()  # raises on a cycle


def test_every_dag_has_tags_and_retries(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id} retries={task.retries}"


def test_landing_is_nightly_at_2am_shanghai_without_catchup(dagbag) -> None:
    dag = dagbag.dags["jixiao_landing"]
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.timetable.expression == "0 2 * * *"
    assert "Asia/Shanghai" in str(dag.timetable.timezone)
    assert set(dag.params) == {"year", "department"}


def test_parsing_fans_out_over_batches(dagbag) -> None:
    parse = dagbag.dags["jixiao_landing"].get_task("parse")
    assert type(parse).__name__.endswith("MappedOperator")


def test_transform_runs_on_the_raw_asset(dagbag) -> None:
    landing, transform = dagbag.dags["jixiao_landing"], dagbag.dags["jixiao_transform"]
    outlets = {asset.name for asset in landing.get_task("load").outlets}
    assert outlets == {"jixiao_raw"}
    assert "jixiao_raw" in str(transform.timetable.asset_condition)


def test_warehouse_writers_share_the_one_slot_pool(dagbag) -> None:
    landing, transform = dagbag.dags["jixiao_landing"], dagbag.dags["jixiao_transform"]
    writers = [landing.get_task("load"), *transform.tasks]
    assert {task.pool for task in writers} == {"jixiao_warehouse"}


def test_publish_waits_for_every_dbt_model(dagbag) -> None:
    transform = dagbag.dags["jixiao_transform"]
    publish = transform.get_task("publish")
    upstream = {task.task_id for task in publish.get_flat_relatives(upstream=True)}
    assert "transform.mart_budget_overview_model_build" in upstream
    assert "transform.mart_indicator_trend_model_build" in upstream
    assert "claim" in upstream

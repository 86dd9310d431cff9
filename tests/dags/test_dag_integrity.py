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


def test_nightly_dag_is_there(dagbag) -> None:
    assert "jixiao_nightly" in dagbag.dag_ids


def test_no_cycles(dagbag) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle()  # raises on a cycle


def test_every_dag_has_tags_and_retries(dagbag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id} retries={task.retries}"


def test_nightly_schedule_is_2am_shanghai_without_catchup(dagbag) -> None:
    dag = dagbag.dags["jixiao_nightly"]
    assert dag.catchup is False
    assert dag.timetable.expression == "0 2 * * *"
    assert "Asia/Shanghai" in str(dag.timetable.timezone)


def test_dbt_models_are_tasks_after_landing(dagbag) -> None:
    dag = dagbag.dags["jixiao_nightly"]
    ids = set(dag.task_ids)
    assert {"land_documents", "transform.mart_budget_overview_model_build"} <= ids
    mart = dag.get_task("transform.mart_budget_overview_model_build")
    assert "land_documents" in {t.task_id for t in mart.get_flat_relatives(upstream=True)}

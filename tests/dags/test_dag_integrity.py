"""Every DAG file imports cleanly, has no cycle, and carries tags and retries.

A cycle is an import error: the DagBag refuses a cyclic DAG while it loads the file (its
`bag_dag` runs the cycle check), so no DAG with a cycle ever reaches `dagbag.dags`, and a test
walking those could not fail. `test_no_import_errors` is the check; `test_a_cycle_is_an_import_error`
shows that it sees one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.airflow.tasks import DBT_BUILDS, build_flags
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def dagbag(airflow_home: Path):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_landing_and_transform_dags_are_there(dagbag) -> None:
    assert {"jixiao_landing", "jixiao_transform"} <= set(dagbag.dag_ids)


CYCLIC_DAG = """
from airflow.sdk import dag, task


@dag(schedule=None)
def cyclic():
    @task
    def first() -> None: ...

    @task
    def second() -> None: ...

    a, b = first(), second()
    a >> b >> a


cyclic()
"""


def test_a_cycle_is_an_import_error(airflow_home: Path, tmp_path: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "cyclic.py").write_text(CYCLIC_DAG, encoding="utf-8")
    bag = DagBag(dag_folder=str(tmp_path))
    assert bag.dag_ids == []
    assert list(bag.import_errors) == [str(tmp_path / "cyclic.py")]
    assert "Cycle detected in Dag: cyclic" in next(iter(bag.import_errors.values()))


def test_every_dag_has_tags_and_retries(dagbag) -> None:
    """Every task retries, a dbt build too: it makes the build's tables again, and its incremental
    tables delete the rows of the versions they compute before appending them."""
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id} retries={task.retries}"


def test_a_dag_has_no_deadline_until_one_and_a_channel_are_set(dagbag) -> None:
    for dag_id in ("jixiao_landing", "jixiao_transform"):
        assert not dagbag.dags[dag_id].deadline


def test_landing_is_nightly_at_2am_shanghai_without_catchup(dagbag) -> None:
    dag = dagbag.dags["jixiao_landing"]
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.timetable.expression == "0 2 * * *"
    assert "Asia/Shanghai" in str(dag.timetable.timezone)
    assert set(dag.params) == {"year", "department", "full_rebuild"}
    assert dag.params["full_rebuild"] is False  # a scheduled night builds from the served warehouse


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
    readers = {"anything_new", "report", "reconciliation_verdict"}  # nothing written to a build
    writers = [
        landing.get_task("load"),
        *(task for task in transform.tasks if task.task_id not in readers),
    ]
    assert {task.pool for task in writers} == {"jixiao_warehouse"}


def test_each_group_is_one_dbt_build_of_its_dbt_tag(dagbag) -> None:
    """One `dbt build` per group of the project, testing each model after it (Cosmos' operator, no
    task per model: the build's log reports each), with the selection of `DBT_BUILDS` rendered when
    it runs (tests/jixiao/airflow/test_build_selection.py)."""
    transform = dagbag.dags["jixiao_transform"]
    dbt_tasks = [task for task in transform.tasks if task.task_id.startswith("dbt")]
    builds = {task.task_id: task for task in dbt_tasks if type(task).__name__ == "DbtBuildOperator"}
    assert list(builds) == list(DBT_BUILDS) == ["dbt_staging", "dbt_checks_across", "dbt_marts"]
    for task_id, task in builds.items():
        assert task.dbt_cmd_flags == build_flags(*DBT_BUILDS[task_id])
        assert "--no-write-json" in task.dbt_cmd_global_flags
    assert len(dbt_tasks) == len(builds)


def test_a_dbt_build_derives_no_openlineage_events(dagbag, tmp_path: Path) -> None:
    """Cosmos would read each invocation's artefacts for OpenLineage events that the night neither
    writes nor sends, importing the OpenLineage client into the night's process to do it
    (`jixiao.airflow.dbt_build`): the transform's dbt tasks do not."""
    transform = dagbag.dags["jixiao_transform"]
    for task_id in DBT_BUILDS:
        assert transform.get_task(task_id).calculate_openlineage_events_completes({}, tmp_path) is False


def test_reconciliation_sits_between_staging_marts_and_publish(dagbag) -> None:
    """Document checks after staging; the checks across documents after the models they read and
    before the marts (which leave held-back documents out); the verdict (failing the run for
    rejected and held-back documents) after publishing."""
    transform = dagbag.dags["jixiao_transform"]

    def upstream_of(task_id: str) -> set[str]:
        return {task.task_id for task in transform.get_task(task_id).get_flat_relatives(upstream=True)}

    assert "dbt_staging" in upstream_of("reconcile_documents")
    assert "dbt_marts" not in upstream_of("reconcile_documents")
    assert "reconcile_documents" in upstream_of("dbt_checks_across")
    assert "dbt_checks_across" in upstream_of("reconcile_warehouse")
    assert "dbt_marts" not in upstream_of("reconcile_warehouse")
    assert "reconcile_warehouse" in upstream_of("dbt_marts")
    assert {"claim", "dbt_marts", "reconcile_warehouse"} <= upstream_of("publish")
    assert "publish" in upstream_of("report")
    assert "report" in upstream_of("reconciliation_verdict")


def test_data_moves_between_tasks_as_xcom_edges(dagbag) -> None:
    """What a task reads from another is its argument, so the graph shows it: the verdict reads the
    document stage's result, the loader what discover and parse returned; no pass-through task."""
    landing, transform = dagbag.dags["jixiao_landing"], dagbag.dags["jixiao_transform"]
    verdict = transform.get_task("reconciliation_verdict")
    assert [arg.operator.task_id for arg in verdict.op_args] == ["reconcile_documents", "reconcile_warehouse"]
    assert transform.get_task("reconcile_documents") in verdict.upstream_list
    discover = landing.get_task("discover")
    assert discover.multiple_outputs
    load = landing.get_task("load")
    assert {task.task_id for task in load.upstream_list} == {"discover", "parse"}
    assert {task.task_id for task in landing.tasks} == {"discover", "batch", "parse", "load"}


def test_no_model_is_rendered_in_two_groups(dagbag) -> None:
    """A model in two groups has a task in the one whose `dbt build` does not select it: that task
    waits for a result that never comes."""
    transform = dagbag.dags["jixiao_transform"]
    groups: dict[str, list[str]] = {}
    for task in transform.tasks:
        group, _, name = task.task_id.partition(".")
        if name.endswith(("_run", "_seed")):
            groups.setdefault(name, []).append(group)
    assert {name: where for name, where in groups.items() if len(where) > 1} == {}

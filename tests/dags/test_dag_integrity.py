"""Every DAG file imports cleanly, has no cycle, and carries tags and retries.

A cycle is an import error: the DagBag refuses a cyclic DAG while it loads the file (its
`bag_dag` runs the cycle check), so no DAG with a cycle ever reaches `dagbag.dags`, and a test
walking those could not fail. `test_no_import_errors` is the check; `test_a_cycle_is_an_import_error`
shows that it sees one.
"""

from __future__ import annotations

import copy
import json
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
    """Every task retries, but a dbt build (Cosmos's producer): its retry would be skipped, and the
    night would end successful with nothing built; it fails the night instead."""
    producers = []
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            if task.task_id.endswith(".dbt_producer_watcher"):
                producers.append(task.task_id)
                assert task.retries == 0, task.task_id
            else:
                assert task.retries >= 2, f"{dag_id}.{task.task_id} retries={task.retries}"
    assert len(producers) == 3


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
        *(
            task
            for task in transform.tasks
            if task.task_id not in readers and not task.task_id.endswith(".dbt_producer_watcher_done")
        ),
    ]
    assert {task.pool for task in writers} == {"jixiao_warehouse"}


GROUPS = ("dbt_staging", "dbt_checks_across", "dbt_marts")


def model_tasks(dag, group: str) -> list:
    return [
        task
        for task in dag.tasks
        if task.task_id.startswith(group + ".") and task.task_id.endswith(("_run", "_seed"))
    ]


def test_each_group_builds_once_and_its_producer_goes_first_under_a_scheduler(dagbag) -> None:
    """One `dbt build` per group (Cosmos' watcher producer) and a task per table it writes that
    reports its result. Under a scheduler the producer runs beside its sensors: first, by its
    priority weight; the group's tests only once it has ended."""
    transform = dagbag.dags["jixiao_transform"]
    for group, at_least in zip(GROUPS, (5, 0, 10), strict=True):
        producer = transform.get_task(f"{group}.dbt_producer_watcher")
        assert type(producer).__name__ == "DbtProducerWatcherOperator"
        models = model_tasks(transform, group)
        assert len(models) >= at_least
        assert all(producer.priority_weight > task.priority_weight for task in models)
        assert producer.task_id in transform.get_task(f"{group}.dbt_project_test").upstream_task_ids


def test_the_night_in_one_process_runs_each_producer_before_its_sensors(dagbag) -> None:
    """`dag.test()` runs one task at a time, in an order of its own: the in-process night puts the
    producer before the sensors that report on it, so none waits for a build not started."""
    from jixiao.airflow.nightly import producers_first

    transform = copy.deepcopy(dagbag.dags["jixiao_transform"])
    producers_first(transform)
    for group in GROUPS:
        producer = f"{group}.dbt_producer_watcher"
        for task in model_tasks(transform, group):
            assert producer in {relative.task_id for relative in task.get_flat_relatives(upstream=True)}


def test_each_group_holds_the_models_of_its_dbt_tag(dagbag) -> None:
    """The groups are the tags of dbt_project.yml (the tests build the same selections: tests/conftest),
    every model in exactly one; a task reports each table, none a view or a seed (the producer
    builds them: their tasks cost a night an Airflow task each, docs/performance.md)."""
    from jixiao.airflow.dbt_manifest import dbt_manifest

    manifest = json.loads(dbt_manifest(PROJECT_ROOT / "dbt_project").read_text(encoding="utf-8"))
    nodes = [node for node in manifest["nodes"].values() if node["resource_type"] in ("model", "seed")]

    def group_of(tags: list[str]) -> str:
        if "before_document_checks" in tags:
            return "dbt_staging"
        return "dbt_checks_across" if "before_warehouse_checks" in tags else "dbt_marts"

    expected = {group: set() for group in GROUPS}
    for node in nodes:
        if node["resource_type"] == "seed" or node["config"]["materialized"] == "view":
            continue
        expected[group_of(node["tags"])].add(f"{group_of(node['tags'])}.{node['name']}_run")
    transform = dagbag.dags["jixiao_transform"]
    assert {group: {task.task_id for task in model_tasks(transform, group)} for group in GROUPS} == expected


def test_publish_waits_for_every_dbt_model(dagbag) -> None:
    transform = dagbag.dags["jixiao_transform"]
    publish = transform.get_task("publish")
    upstream = {task.task_id for task in publish.get_flat_relatives(upstream=True)}
    assert "dbt_marts.mart_budget_overview_run" in upstream
    assert "dbt_marts.mart_indicator_trend_run" in upstream
    assert {"claim", "reconcile_documents", "reconcile_warehouse"} <= upstream


def test_reconciliation_sits_between_staging_marts_and_publish(dagbag) -> None:
    """Document checks after staging; the checks across documents after the models they read and
    before the marts (which leave held-back documents out); the verdict (failing the run for
    rejected and held-back documents) after publishing."""
    transform = dagbag.dags["jixiao_transform"]

    def upstream_of(task_id: str) -> set[str]:
        return {task.task_id for task in transform.get_task(task_id).get_flat_relatives(upstream=True)}

    assert "dbt_staging.audit_document_checks_run" in upstream_of("reconcile_documents")
    assert not any(task.startswith("dbt_marts.") for task in upstream_of("reconcile_documents"))
    assert "reconcile_documents" in upstream_of("dbt_checks_across.dbt_producer_watcher")
    assert "dbt_checks_across.dbt_producer_watcher" in upstream_of("reconcile_warehouse")
    assert not any(task.startswith("dbt_marts.") for task in upstream_of("reconcile_warehouse"))
    assert "reconcile_warehouse" in upstream_of("dbt_marts.fct_budget_line_run")
    assert "reconcile_warehouse" in upstream_of("dbt_marts.mart_reconciliation_findings_run")
    assert "reconcile_warehouse" in upstream_of("publish")
    assert "publish" in upstream_of("report")
    assert "report" in upstream_of("reconciliation_verdict")
    # Each group's tests pass before what comes after it.
    assert "dbt_staging.dbt_project_test" in upstream_of("reconcile_documents")
    assert "dbt_checks_across.dbt_project_test" in upstream_of("reconcile_warehouse")
    assert "dbt_marts.dbt_project_test" in upstream_of("publish")


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

"""What each of the transform's `dbt build` tasks selects (`jixiao.airflow.tasks.DBT_BUILDS`), asked of
dbt itself (`dbt ls` on the real project): a full build makes and tests every node, each in one
group; an incremental build makes the tables downstream of a source the build changed and runs the
tests downstream of one, and no view, seed or unit test; the group of views only runs no dbt then,
its tests run by the marts build."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jixiao.airflow.dbt_build import selects_nothing
from jixiao.airflow.tasks import DBT_BUILDS, VIEWS_ONLY_GROUP, build_exclusion, build_flags, build_selection
from jixiao.runtime.warehouse import RAW_RECORD_TABLES
from jixiao.stages.build import SOURCES_ALWAYS_CHANGED
from tests.conftest import run_dbt

Listing = Callable[..., dict[str, dict[str, Any]]]
# A one-document night's changed sources: those always written, and the table of the form's budget
# lines (`jixiao.stages.build.changed_sources`).
CHANGED = sorted([*(table.qualified for table in SOURCES_ALWAYS_CHANGED), "raw.budget_lines"])
INCREMENTAL = {"mode": "incremental", "changed_sources": CHANGED}
FULL = {"mode": "full", "changed_sources": None}
BUILT = ("model", "seed", "snapshot", "test", "unit_test")


@pytest.fixture(scope="module")
def ls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Listing]:
    """`dbt ls` of a selection: each node it lists, by unique id."""
    work = tmp_path_factory.mktemp("dbt_ls")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", ":memory:")  # listing needs a profile, not a warehouse
        parsed = run_dbt(work, "parse", "--no-partial-parse")
        assert parsed.success, parsed.exception

        def listing(*selection: str) -> dict[str, dict[str, Any]]:
            keys = "unique_id resource_type config depends_on"
            command = ["ls", "--resource-type", "all", "--output", "json", "--output-keys", keys]
            result = run_dbt(work, *command, *selection, manifest=parsed.result)
            assert result.success, result.exception
            nodes = (json.loads(line) for line in result.result)  # type: ignore[union-attr]
            return {node["unique_id"]: node for node in nodes if node["resource_type"] in BUILT}

        yield listing


def selected(ls: Listing, build: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """What each dbt build task lists for `build`, as its rendered flags would select it."""
    by_task = {}
    for task_id, (select, exclude) in DBT_BUILDS.items():
        selection, exclusion = build_selection(build, select), build_exclusion(build, exclude)
        # An empty selection runs no dbt (`jixiao.airflow.dbt_build`); `dbt ls` would list everything.
        by_task[task_id] = (
            ls("--select", selection, *(["--exclude", exclusion] if exclusion else [])) if selection else {}
        )
    return by_task


def test_a_full_build_makes_and_tests_every_node_once(ls: Listing) -> None:
    groups = selected(ls, FULL)
    every = ls()
    assert sum(len(nodes) for nodes in groups.values()) == len(every)
    assert set().union(*groups.values()) == set(every)
    kinds = {node["resource_type"] for nodes in groups.values() for node in nodes.values()}
    assert kinds == {"model", "seed", "test", "unit_test"}


def test_an_incremental_build_makes_what_a_changed_source_reaches_and_tests_it(ls: Listing) -> None:
    full, incremental = selected(ls, FULL), selected(ls, INCREMENTAL)
    downstream = ls("--select", " ".join(f"source:{name}+" for name in CHANGED))
    # The group of views makes nothing again: no dbt for it, its tests in the marts build.
    views_only = next(task_id for task_id, (select, _) in DBT_BUILDS.items() if select == VIEWS_ONLY_GROUP)
    assert incremental[views_only] == {}
    models_of_views = [node for node in full[views_only].values() if node["resource_type"] == "model"]
    assert {node["config"]["materialized"] for node in models_of_views} == {"view"}
    tested_by = {task_id: dict(nodes) for task_id, nodes in full.items()}
    tested_by["dbt_marts"].update(tested_by.pop(views_only))
    # The views over a raw record table the build did not change, whose tests would read no row.
    unchanged_records = ls(
        "--select",
        *(f"source:{table.qualified}+1" for table in RAW_RECORD_TABLES if table.qualified not in CHANGED),
    )
    for task_id, nodes in tested_by.items():
        expected = {
            unique_id
            for unique_id, node in nodes.items()
            if unique_id in downstream
            and (
                (
                    node["resource_type"] == "test"
                    and not set(node["depends_on"]["nodes"]) & set(unchanged_records)
                )
                or node["config"].get("materialized") in ("table", "incremental")
            )
        }
        assert set(incremental[task_id]) == expected, task_id
    # Among them the test that each line of a table the build left alone names a landed document.
    scores_documented = (
        "relationships_stg_raw__scores_document_sha256__document_sha256__ref_stg_raw__documents_"
    )
    assert any(scores_documented in node for node in full["dbt_staging"])
    assert not any(scores_documented in node for nodes in incremental.values() for node in nodes)
    models = [
        node for nodes in incremental.values() for node in nodes.values() if node["resource_type"] == "model"
    ]
    assert {node["config"]["materialized"] for node in models} == {"table", "incremental"}
    # The marts' tables are made again; a table no changed source reaches (the departments, from a
    # seed) is the served one.
    assert "model.jixiao.mart_budget_overview" in incremental["dbt_marts"]
    assert "model.jixiao.dim_department" in full["dbt_marts"]
    assert "model.jixiao.dim_department" not in incremental["dbt_marts"]


def test_a_task_whose_selection_is_empty_runs_no_dbt() -> None:
    """The rendered flags of the group of views on an incremental build, and on a full one."""

    def rendered(build: dict[str, Any]) -> list[str]:
        select, exclude = DBT_BUILDS["dbt_checks_across"]
        exclusion = build_exclusion(build, exclude)
        return ["--select", build_selection(build, select), "--exclude" if exclusion else "", exclusion]

    assert selects_nothing(rendered(INCREMENTAL))
    assert not selects_nothing(rendered(FULL))
    assert not selects_nothing(build_flags(*DBT_BUILDS["dbt_checks_across"]))  # before rendering

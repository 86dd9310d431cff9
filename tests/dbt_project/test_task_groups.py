"""The dbt tags that split the project into the transform's three dbt builds, read from dbt's manifest.

`before_document_checks` (every seed and staging model, and audit_document_checks with its
ancestors), `before_warehouse_checks` (the serving documents and the checks across them), and the
rest untagged (the marts). A group builds after the ones before it, so every model's parents must be
in its own group or an earlier one: a parent left in a later group would not exist yet.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import run_dbt

GROUPS = ("before_document_checks", "before_warehouse_checks")  # then the untagged rest
BUILT = ("model", "seed", "snapshot", "source")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("dbt_parse")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", ":memory:")  # parsing needs a profile, not a warehouse
        assert run_dbt(work, "parse", "--no-partial-parse").success
    return json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))


def nodes(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every model, seed, snapshot and source by unique id."""
    found = {**manifest["nodes"], **manifest["sources"]}
    return {unique_id: node for unique_id, node in found.items() if node["resource_type"] in BUILT}


def group_of(node: dict[str, Any]) -> int:
    """0, 1 or 2: the position of the node's task group in the night."""
    tagged = [index for index, tag in enumerate(GROUPS) if tag in node["tags"]]
    assert len(tagged) <= 1, f"{node['unique_id']} is tagged for two groups: {node['tags']}"
    return tagged[0] if tagged else len(GROUPS)


def by_name(manifest: dict[str, Any]) -> dict[str, int]:
    models = (node for node in nodes(manifest).values() if node["resource_type"] == "model")
    return {node["name"]: group_of(node) for node in models}


def later_parents(manifest: dict[str, Any]) -> list[str]:
    """Each parent that is built in a later group than its child."""
    built = nodes(manifest)
    return [
        f"{node['name']} (group {group_of(node)}) reads {parent['name']} (group {group_of(parent)})"
        for node in built.values()
        for parent in (built[key] for key in node.get("depends_on", {}).get("nodes", []) if key in built)
        if group_of(parent) > group_of(node)
    ]


def test_each_group_holds_the_parents_of_its_models(manifest: dict[str, Any]) -> None:
    assert later_parents(manifest) == []


def test_the_groups_hold_what_reconciliation_needs(manifest: dict[str, Any]) -> None:
    built = nodes(manifest).values()
    groups = by_name(manifest)
    assert {group_of(node) for node in built if node["resource_type"] in ("seed", "source")} == {0}
    staging = {name for name in groups if name.startswith("stg_")}
    assert staging and {groups[name] for name in staging} == {0}
    assert groups["audit_document_checks"] == 0
    assert {name for name, group in groups.items() if group == 1} == {
        "int_documents_with_department",
        "audit_cross_document_checks",
    }
    assert groups["mart_reconciliation_findings"] == groups["mart_budget_overview"] == 2


def test_a_parent_in_a_later_group_is_found() -> None:
    manifest = {
        "nodes": {
            "model.jixiao.early": {
                "unique_id": "model.jixiao.early",
                "name": "early",
                "resource_type": "model",
                "tags": ["before_document_checks"],
                "depends_on": {"nodes": ["model.jixiao.late"]},
            },
            "model.jixiao.late": {
                "unique_id": "model.jixiao.late",
                "name": "late",
                "resource_type": "model",
                "tags": [],
                "depends_on": {"nodes": []},
            },
        },
        "sources": {},
    }
    assert later_parents(manifest) == ["early (group 0) reads late (group 2)"]

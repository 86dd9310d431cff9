"""dbt's documentation page beside the report (jixiao/stages/dbt_docs.py): generated from the real
project, it documents every mart the samples' warehouse serves, with the descriptions the YAML gives
them and their columns, and lands beside the warehouse readable by a web server."""

from __future__ import annotations

import dataclasses
import json
import stat
from pathlib import Path
from typing import Any

import duckdb

from jixiao.stages.dbt_docs import dbt_docs_site, refresh_dbt_docs
from tests.conftest import SampleWarehouse


def embedded_manifest(page: Path) -> dict[str, Any]:
    """The manifest the static page carries in its script (`manifest:{…}`)."""
    text = page.read_text(encoding="utf-8")
    start = text.index("manifest:{") + len("manifest:")
    manifest, _ = json.JSONDecoder().raw_decode(text, start)
    return dict(manifest)


def test_the_page_documents_every_served_mart_with_its_columns(sample_warehouse: SampleWarehouse) -> None:
    settings = sample_warehouse.settings
    manifest = embedded_manifest(dbt_docs_site(settings.dbt_project_dir))
    documented = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        served = dict(
            connection.execute(
                "select table_name, count(*) from duckdb_columns() where schema_name = 'marts' group by all"
            ).fetchall()
        )
    assert set(documented) == set(served)
    for name, node in documented.items():
        assert node["description"], name
        assert len(node["columns"]) == served[name], name
        assert all(column["description"] for column in node["columns"].values()), name


def test_the_page_lands_beside_the_warehouse_readable_by_all(
    sample_warehouse: SampleWarehouse, tmp_path: Path
) -> None:
    settings = dataclasses.replace(sample_warehouse.settings, warehouse=tmp_path / "warehouse.duckdb")
    written = Path(refresh_dbt_docs(settings))
    assert written == tmp_path / "dbt-docs.html" == settings.dbt_docs_path
    assert written.read_bytes() == dbt_docs_site(settings.dbt_project_dir).read_bytes()
    assert stat.S_IMODE(written.stat().st_mode) == 0o644
    assert [path.name for path in tmp_path.iterdir()] == ["dbt-docs.html"]  # no temporary left

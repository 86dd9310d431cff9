"""dbt's sources are the tables jixiao writes (`jixiao.runtime.warehouse`): every source table and
every column a source names is declared there, every raw table is a source, and a real build holds
exactly the declared columns, types and nullability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from jixiao.runtime.ledger import Ledger
from jixiao.runtime.warehouse import BUILD_TABLES, TABLES, Table
from jixiao.stages.build import build_raw
from tests.conftest import PROJECT_ROOT

DECLARED = {(table.schema, table.name): table for table in TABLES}


def dbt_sources() -> dict[tuple[str, str], dict[str, Any]]:
    """Every table of every source of the dbt project, by (schema, name)."""
    found = {}
    for path in sorted((PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml")):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            for table in source["tables"]:
                found[(source.get("schema", source["name"]), table["name"])] = table
    return found


def source_problems(
    sources: dict[tuple[str, str], dict[str, Any]], declared: dict[tuple[str, str], Table]
) -> list[str]:
    problems = [
        f"source {'.'.join(key)} is not a table jixiao writes" for key in sources if key not in declared
    ]
    for key, table in sources.items():
        if key in declared:
            columns = {column["name"] for column in table.get("columns", [])}
            problems += [
                f"source {'.'.join(key)} names column {name}, which the table has not"
                for name in sorted(columns - set(declared[key].column_names))
            ]
    return problems


def test_every_source_is_a_declared_table_with_its_columns() -> None:
    assert source_problems(dbt_sources(), DECLARED) == []


def test_every_raw_table_is_a_source() -> None:
    raw = {key for key in DECLARED if key[0] == "raw"}
    assert raw - set(dbt_sources()) == set()


def test_a_source_column_the_table_lacks_is_found() -> None:
    sources = {("raw", "documents"): {"name": "documents", "columns": [{"name": "sha"}]}, ("raw", "nope"): {}}
    assert source_problems(sources, DECLARED) == [
        "source raw.nope is not a table jixiao writes",
        "source raw.documents names column sha, which the table has not",
    ]


def test_a_build_holds_exactly_the_declared_tables(tmp_path: Path) -> None:
    warehouse = tmp_path / "build.duckdb"
    build_raw(warehouse, tmp_path / "raw", Ledger(tmp_path / "ledger.sqlite"), tmp_path / "results")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select schema_name, table_name, column_name, data_type, is_nullable from duckdb_columns()"
            " where schema_name in ('raw', 'meta', 'reconciliation')"
            " order by schema_name, table_name, column_index"
        ).fetchall()
    found: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}
    for schema, table, column, kind, nullable in rows:
        found.setdefault((schema, table), []).append((column, kind, nullable))
    expected = {
        (table.schema, table.name): [
            (column.name, column.type.upper().replace(" ", ""), column.nullable or table.view)
            for column in table.columns
        ]
        for table in BUILD_TABLES
    }
    normalised = {key: [(c, k.replace(" ", ""), n) for c, k, n in columns] for key, columns in found.items()}
    assert normalised == expected

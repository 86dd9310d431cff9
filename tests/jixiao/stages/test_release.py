"""A publication's file release, written from the real marts of the samples and the self-evaluation
tables: Parquet files that carry the dbt descriptions, and a CSV Data Package that the `frictionless`
library validates, with exact decimals, blanks as blanks and amounts described as 万元."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from frictionless import Package

from jixiao.stages.export import CSV_FOLDER, PACKAGE_FILE, export_marts
from tests.conftest import SampleWarehouse

PUBLISHED_AT = "2026-11-25T08:00:00+00:00"


@pytest.fixture(scope="module")
def release(table_warehouse: SampleWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with duckdb.connect(str(table_warehouse.path), read_only=True) as connection:
        return export_marts(
            connection, tmp_path_factory.mktemp("exports"), "20261125T080000Z", "run_1", PUBLISHED_AT
        )


def warehouse_comments(warehouse: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = dict(
            connection.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
        columns: dict[str, dict[str, str]] = {}
        for table, column, comment in connection.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        ).fetchall():
            columns.setdefault(table, {})[column] = comment
    return tables, columns


def test_every_parquet_file_carries_its_marts_descriptions(
    release: Path, table_warehouse: SampleWarehouse
) -> None:
    tables, columns = warehouse_comments(table_warehouse.path)
    with duckdb.connect() as connection:
        for table in tables:
            metadata = dict(
                connection.execute(
                    "select decode(key), decode(value) from parquet_kv_metadata(?)",
                    [str(release / f"{table}.parquet")],
                ).fetchall()
            )
            assert metadata["jixiao.description"] == tables[table]
            assert json.loads(metadata["jixiao.columns"]) == columns[table]


def test_the_csv_release_is_a_valid_data_package(release: Path, table_warehouse: SampleWarehouse) -> None:
    descriptor = release / CSV_FOLDER / PACKAGE_FILE
    report = Package(str(descriptor)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    tables, columns = warehouse_comments(table_warehouse.path)
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    assert {resource["name"] for resource in package["resources"]} == set(tables)
    for resource in package["resources"]:
        fields = {field["name"]: field for field in resource["schema"]["fields"]}
        assert {name: field["description"] for name, field in fields.items()} == columns[resource["name"]]
        assert resource["description"] == tables[resource["name"]]


def test_amounts_are_described_as_wan_yuan_of_cny(release: Path) -> None:
    package = json.loads((release / CSV_FOLDER / PACKAGE_FILE).read_text(encoding="utf-8"))
    amounts = [
        field
        for resource in package["resources"]
        for field in resource["schema"]["fields"]
        if field["name"].endswith("_wan_yuan")
    ]
    assert len(amounts) >= 10
    for field in amounts:
        assert (field["type"], field["currency"], field["factor"], field["columnType"]) == (
            "number",
            "CNY",
            10000,
            "value",
        )


def read_release_csv(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "Excel needs the byte-order mark to read UTF-8"
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_csv_amounts_are_the_warehouses_decimals_and_blanks_stay_blank(
    release: Path, table_warehouse: SampleWarehouse
) -> None:
    rows = read_release_csv(release / CSV_FOLDER / "fct_project_expenditure.csv")
    with duckdb.connect(str(table_warehouse.path), read_only=True) as connection:
        expected = connection.execute(
            "select project_name, total_wan_yuan, special_account_wan_yuan from marts.fct_project_expenditure"
        ).fetchall()
    read = [
        (
            row["project_name"],
            Decimal(row["total_wan_yuan"]) if row["total_wan_yuan"] else None,
            Decimal(row["special_account_wan_yuan"]) if row["special_account_wan_yuan"] else None,
        )
        for row in rows
    ]
    assert sorted(read, key=repr) == sorted(expected, key=repr)
    assert any(special is None for _, _, special in expected)  # a blank cell: empty, not 0
    assert all("e" not in row["total_wan_yuan"].lower() for row in rows)  # never a float's notation

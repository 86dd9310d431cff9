"""What a publication's file release says about itself: each mart's label and columns, read from the
warehouse's own comments (dbt's `persist_docs` writes the YAML descriptions there), for the Parquet
files' key-value metadata and the CSV release's `datapackage.json` (a Frictionless Data Package).

One source for the data dictionary: the dbt YAML. A BI tool reading the DuckDB file, a Parquet
reader and an open-data portal reading the package all see the same descriptions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import duckdb

# Amounts are 万元 as printed: the Fiscal Data Package way of saying so is a currency and a factor
# (a value times the factor is in the currency's unit).
AMOUNT_SUFFIX = "_wan_yuan"
CURRENCY = "CNY"
WAN_YUAN_FACTOR = 10000
# CSV for spreadsheet users: Excel reads UTF-8 only behind a byte-order mark.
CSV_ENCODING = "utf-8-sig"
# A timestamp in the CSV as Table Schema's default datetime format reads it.
CSV_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
PACKAGE_NAME = "jixiao-marts"
PACKAGE_TITLE = "jixiao 绩效: budget-performance marts of Guangzhou's science and technology bureaus"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # DuckDB's, e.g. DECIMAL(20,4)
    comment: str

    @property
    def is_amount(self) -> bool:
        return self.name.endswith(AMOUNT_SUFFIX)


@dataclass(frozen=True)
class Mart:
    name: str
    comment: str
    columns: tuple[Column, ...]

    def parquet_metadata(self) -> dict[str, str]:
        """Key-value metadata of the mart's Parquet file: its description and its columns'."""
        return {
            "jixiao.description": self.comment,
            "jixiao.columns": json.dumps({c.name: c.comment for c in self.columns}, ensure_ascii=False),
        }


def describe_marts(connection: duckdb.DuckDBPyConnection) -> list[Mart]:
    """Every table of the `marts` schema with its comment and its columns' types and comments."""
    tables = connection.execute(
        "select table_name, coalesce(comment, '') from duckdb_tables()"
        " where schema_name = 'marts' order by table_name"
    ).fetchall()
    columns: dict[str, list[Column]] = {}
    for table, name, data_type, comment in connection.execute(
        "select table_name, column_name, data_type, coalesce(comment, '') from duckdb_columns()"
        " where schema_name = 'marts' order by table_name, column_index"
    ).fetchall():
        columns.setdefault(table, []).append(Column(name, data_type, comment))
    return [Mart(table, comment, tuple(columns.get(table, ()))) for table, comment in tables]


def table_schema_field(column: Column) -> dict[str, Any]:
    """A Table Schema field for a column, typed from DuckDB's type."""
    field: dict[str, Any] = {
        "name": column.name,
        "type": _field_type(column.data_type),
        "description": column.comment,
    }
    if column.is_amount:
        field.update(columnType="value", currency=CURRENCY, factor=WAN_YUAN_FACTOR, unit="万元")
    return field


def _field_type(data_type: str) -> str:
    base = re.sub(r"\(.*\)$", "", data_type).upper()
    if base in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER"}:
        return "integer"
    if base in {"DECIMAL", "DOUBLE", "FLOAT", "REAL"}:
        return "number"
    if base == "BOOLEAN":
        return "boolean"
    if base.startswith("TIMESTAMP"):
        return "datetime"
    if base == "DATE":
        return "date"
    return "string"


def datapackage(marts: list[Mart], run_id: str, published_at: str) -> dict[str, Any]:
    """The Data Package descriptor of a publication's CSV release: one resource per mart."""
    return {
        "name": PACKAGE_NAME,
        "title": PACKAGE_TITLE,
        "created": published_at,
        "description": f"The marts of the publication {run_id}, one CSV per mart; amounts in 万元.",
        "profile": "tabular-data-package",
        "resources": [
            {
                "name": mart.name,
                "path": f"{mart.name}.csv",
                "profile": "tabular-data-resource",
                "title": mart.comment.split("\n", 1)[0],
                "description": mart.comment,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": CSV_ENCODING,
                "schema": {"fields": [table_schema_field(column) for column in mart.columns]},
            }
            for mart in marts
        ],
    }

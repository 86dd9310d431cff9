"""`jixiao sql`: one query against the served warehouse, through a short read-only connection.

The same kind of connection BI tools should hold: read-only, opened per query, closed at once, so
a publication (a rename over the file) is never blocked and never seen half-done. Read-only covers
the database file only: DuckDB would still write files (`COPY ... TO`), read any local file or URL
(`read_csv`), attach other databases and load extensions. External access is turned off and the
configuration locked, so the query sees the warehouse and nothing else.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import simplejson

from jixiao.cli.tables import make_console, print_table

# Set when the connection opens; `lock_configuration` keeps a query from `SET`ting them back.
READ_ONLY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}


class QueryError(RuntimeError):
    pass


def run_query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not warehouse.is_file():
        raise QueryError(f"no warehouse at {warehouse}: run `jixiao run` (or make run) first")
    try:
        with duckdb.connect(str(warehouse), read_only=True, config=READ_ONLY_CONFIG) as connection:
            cursor = connection.execute(sql)
            columns = [column[0] for column in cursor.description or []]
            return columns, cursor.fetchall()
    except duckdb.Error as exc:
        # DuckDB adds the query and a caret below its message: the first line says what was wrong.
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise QueryError(f"{type(exc).__name__}: {first_line}") from exc


def _exact(value: Any) -> Any:
    # Amounts are printed as stored: no float, no rounding, no thousands separator.
    if isinstance(value, Decimal):
        return format(value, "f")
    if value is None or isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def print_result(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows([[_exact(value) for value in row] for row in rows])
    elif fmt == "json":
        # Decimals as JSON numbers with their stored digits (simplejson), like `jixiao parse --json`.
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        print(simplejson.dumps(records, use_decimal=True, ensure_ascii=False, indent=1, default=str))
    else:
        console = make_console()
        print_table(f"{len(rows)} rows", columns, [[_exact(value) for value in row] for row in rows], console)

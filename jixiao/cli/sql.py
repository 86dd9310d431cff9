"""`jixiao sql`: one query against the served warehouse, through a short read-only connection.

The same kind of connection BI tools should hold: read-only, opened per query, closed at once, so
a publication (a rename over the file) is never blocked and never seen half-done.
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


class QueryError(RuntimeError):
    pass


def run_query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not warehouse.is_file():
        raise QueryError(f"no warehouse at {warehouse}: run `jixiao run` (or make run) first")
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            cursor = connection.execute(sql)
            columns = [column[0] for column in cursor.description or []]
            return columns, cursor.fetchall()
    except duckdb.Error as exc:
        raise QueryError(f"{type(exc).__name__}: {exc}") from exc


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

"""Edits of a landed build's raw records that reconciliation's decisions are tested on: the samples'
documents by path, a figure raised, a re-publication landed, and what the marts then hold."""

from __future__ import annotations

from pathlib import Path

import duckdb

HUANGPU_FORM = "2023/huangpu_2023_dept_target_form.pdf"
GUANGZHOU_FORM = "2023/guangzhou_2023_dept_target_form.pdf"
GUANGZHOU_PROJECTS = "2023/guangzhou_2023_project_target_table.pdf"


def sha_of(connection: duckdb.DuckDBPyConnection, source_path: str) -> str:
    return connection.execute(
        "select document_sha256 from raw.documents where source_path = ?", [source_path]
    ).fetchone()[0]


def raise_basic_expenditure(connection: duckdb.DuckDBPyConnection, sha: str) -> None:
    connection.execute(
        "update raw.budget_lines set amount_wan_yuan = amount_wan_yuan + 100"
        " where document_sha256 = ? and label = '基本支出'",
        [sha],
    )


def all_marts(build: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the marts schema, row by row, but the findings (which name the rejection)."""
    with duckdb.connect(str(build), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
                " and table_name <> 'mart_reconciliation_findings' order by 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(f"select * from marts.{name} order by all").fetchall() for name in tables
        }


def land_new_version(connection: duckdb.DuckDBPyConnection, old: str, new: str, *, later: bool) -> None:
    """A re-publication of the document `old` with the same records, landed as `new` (sha256) and
    superseding it, as the ledger records one: `later` than it, or in the same second."""
    for table in ("budget_lines", "key_tasks", "indicators", "target_parts", "facts"):
        connection.execute(
            f"insert into raw.{table} select * replace (? as document_sha256)"
            f" from raw.{table} where document_sha256 = ?",
            [new, old],
        )
    first_seen = "now()" if later else "first_seen_at"
    connection.execute(
        f"insert into raw.documents select * replace (? as document_sha256, {first_seen} as first_seen_at)"
        " from raw.documents where document_sha256 = ?",
        [new, old],
    )
    connection.execute(
        "update raw.documents set status = 'superseded', superseded_by = ? where document_sha256 = ?",
        [new, old],
    )
    # One version more after each earlier one of the key (the build counts them from the ledger).
    connection.execute(
        "update raw.documents set versions_after = versions_after + 1 where document_sha256 <> ?"
        " and version_key = (select version_key from raw.documents where document_sha256 = ?)",
        [new, old],
    )


def mart_rows(build: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(build), read_only=True) as connection:
        return connection.execute("select * from marts.mart_budget_overview order by all").fetchall()

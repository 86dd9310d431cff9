"""Writes parsed documents and quarantine entries to the raw schema: the only module that touches storage.

Landing is idempotent per document: its rows are replaced in one transaction keyed by the content
sha256, and a new version of the same file (same landing path, new bytes) replaces the old one, so
re-running a night never loses or duplicates rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.errors import DocumentError
from ingest.records import ParsedDocument

AMOUNT = pa.decimal128(20, 4)

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.documents (
    document_sha256 varchar primary key,
    source_path varchar not null,
    doc_type varchar not null,
    department_name varchar not null,
    fiscal_year integer not null,
    year_source varchar not null,
    page_count integer not null,
    landed_at timestamp not null
);
create table if not exists raw.budget_lines (
    document_sha256 varchar not null,
    line_number integer not null,
    section varchar not null,
    label varchar not null,
    amount_wan_yuan decimal(20, 4) not null,
    amount_text varchar not null,
    page integer not null,
    table_row integer not null,
    primary key (document_sha256, line_number)
);
create table if not exists raw.projects (
    document_sha256 varchar not null,
    line_number integer not null,
    project_name varchar not null,
    total_wan_yuan decimal(20, 4),
    fiscal_wan_yuan decimal(20, 4),
    special_account_wan_yuan decimal(20, 4),
    other_wan_yuan decimal(20, 4),
    page integer not null,
    table_row integer not null,
    primary key (document_sha256, line_number)
);
create table if not exists raw.facts (
    document_sha256 varchar not null,
    line_number integer not null,
    label varchar not null,
    value decimal(20, 4) not null,
    unit varchar,
    qualifier varchar,
    source_text varchar not null,
    page integer not null,
    primary key (document_sha256, line_number)
);
create table if not exists raw.quarantine (
    source_path varchar primary key,
    error_type varchar not null,
    message varchar not null,
    quarantined_at timestamp not null
);
"""

_CHILD_TABLES = ("budget_lines", "projects", "facts")


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(warehouse))
    connection.execute(RAW_DDL)
    return connection


def _numbered(records: Iterable[object], rename: dict[str, str] | None = None) -> list[dict[str, object]]:
    rows = []
    for number, record in enumerate(records, start=1):
        row = {"line_number": number}
        for key, value in dataclasses.asdict(record).items():  # type: ignore[call-overload]
            row[(rename or {}).get(key, key)] = value
        rows.append(row)
    return rows


def _arrow(rows: list[dict[str, object]], sha256: str, schema: pa.Schema) -> pa.Table:
    for row in rows:
        row["document_sha256"] = sha256
    return pa.Table.from_pylist(rows, schema=schema)


_SCHEMAS = {
    "budget_lines": pa.schema(
        [
            ("document_sha256", pa.string()),
            ("line_number", pa.int32()),
            ("section", pa.string()),
            ("label", pa.string()),
            ("amount_wan_yuan", AMOUNT),
            ("amount_text", pa.string()),
            ("page", pa.int32()),
            ("table_row", pa.int32()),
        ]
    ),
    "projects": pa.schema(
        [
            ("document_sha256", pa.string()),
            ("line_number", pa.int32()),
            ("project_name", pa.string()),
            ("total_wan_yuan", AMOUNT),
            ("fiscal_wan_yuan", AMOUNT),
            ("special_account_wan_yuan", AMOUNT),
            ("other_wan_yuan", AMOUNT),
            ("page", pa.int32()),
            ("table_row", pa.int32()),
        ]
    ),
    "facts": pa.schema(
        [
            ("document_sha256", pa.string()),
            ("line_number", pa.int32()),
            ("label", pa.string()),
            ("value", AMOUNT),
            ("unit", pa.string()),
            ("qualifier", pa.string()),
            ("source_text", pa.string()),
            ("page", pa.int32()),
        ]
    ),
}


def _child_rows(document: ParsedDocument) -> dict[str, pa.Table]:
    sha = document.header.sha256
    return {
        "budget_lines": _arrow(
            _numbered(document.budget_lines, {"row": "table_row"}), sha, _SCHEMAS["budget_lines"]
        ),
        "projects": _arrow(
            _numbered(
                document.projects,
                {
                    "name": "project_name",
                    "total": "total_wan_yuan",
                    "fiscal": "fiscal_wan_yuan",
                    "special_account": "special_account_wan_yuan",
                    "other": "other_wan_yuan",
                    "row": "table_row",
                },
            ),
            sha,
            _SCHEMAS["projects"],
        ),
        "facts": _arrow(_numbered(document.facts, {"text": "source_text"}), sha, _SCHEMAS["facts"]),
    }


def land_document(connection: duckdb.DuckDBPyConnection, document: ParsedDocument) -> None:
    header = document.header
    tables = _child_rows(document)
    connection.begin()
    try:
        stale = connection.execute(
            "select document_sha256 from raw.documents where document_sha256 = ? or source_path = ?",
            [header.sha256, header.source_path],
        ).fetchall()
        for (sha,) in stale:
            for table in _CHILD_TABLES:
                connection.execute(f"delete from raw.{table} where document_sha256 = ?", [sha])
            connection.execute("delete from raw.documents where document_sha256 = ?", [sha])
        connection.execute(
            "insert into raw.documents values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                header.sha256,
                header.source_path,
                header.doc_type.value,
                header.department,
                header.year,
                header.year_source.value,
                header.page_count,
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )
        for table, arrow_table in tables.items():
            if arrow_table.num_rows:
                connection.register("incoming", arrow_table)
                connection.execute(f"insert into raw.{table} by name select * from incoming")
                connection.unregister("incoming")
        connection.execute("delete from raw.quarantine where source_path = ?", [header.source_path])
        connection.commit()
    except Exception:
        connection.rollback()
        raise


def quarantine(connection: duckdb.DuckDBPyConnection, source_path: str, error: DocumentError) -> None:
    """Record why a document was refused; rows it landed on an earlier night stay as they were."""
    connection.execute(
        "insert or replace into raw.quarantine values (?, ?, ?, ?)",
        [source_path, error.kind, str(error), datetime.now(UTC).replace(tzinfo=None)],
    )

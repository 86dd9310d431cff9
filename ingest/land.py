"""Writes parsed documents and quarantine entries to the raw schema: the only module that touches storage.

Landing is idempotent per document: its rows are replaced in one transaction keyed by the content
sha256, and a new version of the same file (same landing path, new bytes) replaces the old one, so
re-running a night never loses or duplicates rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingest.errors import DocumentError
from ingest.records import ParsedDocument
from ingest.targets import to_base

log = logging.getLogger(__name__)

# Bumped whenever a raw table changes shape. Raw tables hold nothing that the PDFs in the landing
# folder cannot give again, so a warehouse written by another version is re-landed from scratch.
RAW_SCHEMA_VERSION = 5

AMOUNT = pa.decimal128(20, 4)
_SQL_TYPES = {pa.string(): "varchar", pa.int32(): "integer", AMOUNT: "decimal(20, 4)"}


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = False


@dataclass(frozen=True)
class RecordTable:
    """One raw table of per-document records, keyed by (document_sha256, line_number)."""

    name: str
    columns: tuple[Column, ...]
    records: Callable[[ParsedDocument], Sequence[dict[str, Any]]]

    @property
    def schema(self) -> pa.Schema:
        fields = [("document_sha256", pa.string()), ("line_number", pa.int32())]
        return pa.schema(fields + [(c.name, c.type) for c in self.columns])

    def ddl(self) -> str:
        columns = ",\n    ".join(
            f"{c.name} {_SQL_TYPES[c.type]}{'' if c.nullable else ' not null'}" for c in self.columns
        )
        return (
            f"create table if not exists raw.{self.name} (\n"
            "    document_sha256 varchar not null,\n"
            "    line_number integer not null,\n"
            f"    {columns},\n"
            "    primary key (document_sha256, line_number)\n);"
        )

    def arrow(self, document: ParsedDocument) -> pa.Table:
        rows = [
            {"document_sha256": document.header.sha256, "line_number": number, **record}
            for number, record in enumerate(self.records(document), start=1)
        ]
        return pa.Table.from_pylist(rows, schema=self.schema)


def _text(name: str, nullable: bool = False) -> Column:
    return Column(name, pa.string(), nullable)


def _int(name: str, nullable: bool = False) -> Column:
    return Column(name, pa.int32(), nullable)


def _amount(name: str, nullable: bool = False) -> Column:
    return Column(name, AMOUNT, nullable)


def _budget_lines(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "section": line.section,
            "label": line.label,
            "amount_wan_yuan": line.amount_wan_yuan,
            "amount_text": line.amount_text,
            "page": line.page,
            "table_row": line.row,
        }
        for line in document.budget_lines
    ]


def _key_tasks(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "task_name": task.name,
            "content": task.content,
            "funds_wan_yuan": task.funds_wan_yuan,
            "goal": task.goal,
            "page": task.pages[0],
            "pages": ",".join(map(str, task.pages)),
            "table_row": task.row,
        }
        for task in document.key_tasks
    ]


def _indicators(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "level1": indicator.level1,
            "level2": indicator.level2,
            "indicator_name": indicator.name,
            "period_target": indicator.period_target,
            "annual_target": indicator.annual_target,
            "page": indicator.page,
            "table_row": indicator.row,
        }
        for indicator in document.indicators
    ]


def _projects(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "project_name": project.name,
            "fund_user": project.unit,
            "total_wan_yuan": project.total,
            "fiscal_wan_yuan": project.fiscal,
            "special_account_wan_yuan": project.special_account,
            "other_wan_yuan": project.other,
            "goal": project.goal,
            "page": project.pages[0],
            "pages": ",".join(map(str, project.pages)),
            "table_row": project.row,
        }
        for project in document.projects
    ]


def _project_indicators(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "project_line_number": project_number,
            "item_number": indicator.number,
            "level1": indicator.level1,
            "indicator_name": indicator.name,
            "annual_target": indicator.annual_target,
            "source_text": indicator.text,
            "page": project.pages[0],
            "table_row": project.row,
        }
        for project_number, project in enumerate(document.projects, start=1)
        for indicator in project.indicators
    ]


def _targets(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "source": target.source,
            "source_line": target.source_line,
            "period": target.period,
            "wording": target.wording,
            "part_number": target.part_number,
            "kind": target.kind,
            "comparator": target.comparator,
            "target_value": target.value,
            "target_value_high": target.value_high,
            "unit": target.unit,
            "base_value": target.base_value,
            "base_unit": target.base_unit,
            "part_text": target.part_text,
            "raw_text": target.raw_text,
            "page": target.page,
            "table_row": target.row,
        }
        for target in document.targets
    ]


def _scores(document: ParsedDocument) -> list[dict[str, Any]]:
    return [
        {
            "level1": score.level1,
            "level2": score.level2,
            "score": score.score,
            "subtotal": score.subtotal,
            "page": score.page,
            "table_row": score.row,
        }
        for score in document.scores
    ]


def _facts(document: ParsedDocument) -> list[dict[str, Any]]:
    rows = []
    for fact in document.facts:
        numeric = fact.value if isinstance(fact.value, Decimal) else None
        base_value, base_unit = to_base(numeric, fact.unit) if numeric is not None else (None, None)
        rows.append(
            {
                "label": fact.label,
                "value": numeric,
                "value_text": str(fact.value),
                "unit": fact.unit,
                "base_value": base_value,
                "base_unit": base_unit,
                "qualifier": fact.qualifier,
                "source_text": fact.text,
                "page": fact.page,
                "table_row": fact.row,
            }
        )
    return rows


RECORD_TABLES = (
    RecordTable(
        "budget_lines",
        (
            _text("section"),
            _text("label"),
            _amount("amount_wan_yuan"),
            _text("amount_text"),
            _int("page"),
            _int("table_row"),
        ),
        _budget_lines,
    ),
    RecordTable(
        "key_tasks",
        (
            _text("task_name"),
            _text("content"),
            _amount("funds_wan_yuan", nullable=True),
            _text("goal"),
            _int("page"),
            _text("pages"),
            _int("table_row"),
        ),
        _key_tasks,
    ),
    RecordTable(
        "indicators",
        (
            _text("level1", nullable=True),
            _text("level2", nullable=True),
            _text("indicator_name"),
            _text("period_target"),
            _text("annual_target"),
            _int("page"),
            _int("table_row"),
        ),
        _indicators,
    ),
    RecordTable(
        "projects",
        (
            _text("project_name"),
            _text("fund_user", nullable=True),
            _amount("total_wan_yuan", nullable=True),
            _amount("fiscal_wan_yuan", nullable=True),
            _amount("special_account_wan_yuan", nullable=True),
            _amount("other_wan_yuan", nullable=True),
            _text("goal"),
            _int("page"),
            _text("pages"),
            _int("table_row"),
        ),
        _projects,
    ),
    RecordTable(
        "project_indicators",
        (
            _int("project_line_number"),
            _int("item_number"),
            _text("level1"),
            _text("indicator_name"),
            _text("annual_target"),
            _text("source_text"),
            _int("page"),
            _int("table_row"),
        ),
        _project_indicators,
    ),
    RecordTable(
        "target_parts",
        (
            _text("source"),
            _int("source_line"),
            _text("period"),
            _text("wording"),
            _int("part_number"),
            _text("kind"),
            _text("comparator", nullable=True),
            _amount("target_value", nullable=True),
            _amount("target_value_high", nullable=True),
            _text("unit", nullable=True),
            _amount("base_value", nullable=True),
            _text("base_unit", nullable=True),
            _text("part_text"),
            _text("raw_text"),
            _int("page"),
            _int("table_row"),
        ),
        _targets,
    ),
    RecordTable(
        "scores",
        (
            _text("level1"),
            _text("level2", nullable=True),
            _amount("score", nullable=True),
            _amount("subtotal", nullable=True),
            _int("page"),
            _int("table_row"),
        ),
        _scores,
    ),
    RecordTable(
        "facts",
        (
            _text("label"),
            _amount("value", nullable=True),
            _text("value_text"),
            _text("unit", nullable=True),
            _amount("base_value", nullable=True),
            _text("base_unit", nullable=True),
            _text("qualifier", nullable=True),
            _text("source_text"),
            _int("page"),
            _int("table_row", nullable=True),
        ),
        _facts,
    ),
)

DOCUMENTS_DDL = """
create table if not exists raw.documents (
    document_sha256 varchar primary key,
    source_path varchar not null,
    doc_type varchar not null,
    department_name varchar not null,
    department_code varchar,
    fiscal_year integer not null,
    year_source varchar not null,
    page_count integer not null,
    overall_goal varchar,
    other_tasks varchar,
    landed_at timestamp not null
);
create table if not exists raw.quarantine (
    source_path varchar primary key,
    error_type varchar not null,
    message varchar not null,
    quarantined_at timestamp not null
);
"""
_ALL_TABLES = ("documents", "quarantine", *(table.name for table in RECORD_TABLES))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _ensure_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute("create table if not exists raw._schema_version (version integer not null)")
    found = connection.execute("select max(version) from raw._schema_version").fetchone()
    if found is not None and found[0] != RAW_SCHEMA_VERSION:
        if found[0] is not None:
            log.warning("raw schema v%s is not v%s: raw tables are rebuilt", found[0], RAW_SCHEMA_VERSION)
        for table in _ALL_TABLES:
            connection.execute(f"drop table if exists raw.{table}")
        connection.execute("delete from raw._schema_version")
        connection.execute("insert into raw._schema_version values (?)", [RAW_SCHEMA_VERSION])
    connection.execute(DOCUMENTS_DDL)
    for table in RECORD_TABLES:
        connection.execute(table.ddl())


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(warehouse))
    _ensure_schema(connection)
    return connection


def land_document(connection: duckdb.DuckDBPyConnection, document: ParsedDocument) -> None:
    header = document.header
    incoming = [(table.name, table.arrow(document)) for table in RECORD_TABLES]
    connection.begin()
    try:
        stale = connection.execute(
            "select document_sha256 from raw.documents where document_sha256 = ? or source_path = ?",
            [header.sha256, header.source_path],
        ).fetchall()
        for (sha,) in stale:
            for table in RECORD_TABLES:
                connection.execute(f"delete from raw.{table.name} where document_sha256 = ?", [sha])
            connection.execute("delete from raw.documents where document_sha256 = ?", [sha])
        connection.execute(
            "insert into raw.documents values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                header.sha256,
                header.source_path,
                header.doc_type.value,
                header.department,
                header.department_code,
                header.year,
                header.year_source.value,
                header.page_count,
                document.overall_goal,
                document.other_tasks,
                _now(),
            ],
        )
        for name, rows in incoming:
            if rows.num_rows:
                connection.register("incoming", rows)
                connection.execute(f"insert into raw.{name} by name select * from incoming")
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
        [source_path, error.kind, str(error), _now()],
    )

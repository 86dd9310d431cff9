"""Storage of parsed documents: the raw zone (Parquet per document) and the raw schema of a warehouse
build. The only module that writes records anywhere.

Parse workers write each document to the raw zone, `<state>/raw/<sha256>/`, in a temporary folder
renamed into place, so a killed worker leaves nothing half-written. One loader then builds the raw
schema of a fresh warehouse file from the zone and the ledger: only it ever opens DuckDB for writing.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.ledger import Ledger
from ingest.records import ParsedDocument
from ingest.targets import to_base

AMOUNT = pa.decimal128(20, 4)
_SQL_TYPES = {pa.string(): "varchar", pa.int32(): "integer", AMOUNT: "decimal(20, 4)"}
HEADER_FILE = "document.json"


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
create schema if not exists raw;
create table raw.documents (
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
    status varchar not null,
    superseded_by varchar,
    version_key varchar not null,
    first_seen_at timestamp not null,
    parsed_at timestamp not null
);
create table raw.quarantine (
    source_path varchar not null,
    document_sha256 varchar not null,
    error_type varchar not null,
    message varchar not null
);
"""


def write_zone(zone: Path, document: ParsedDocument) -> Path:
    """Write one document's records as Parquet (one file per raw table, even when empty) plus its
    header, into `<zone>/<sha256>/`; the folder appears complete or not at all."""
    header = document.header
    target = zone / header.sha256
    if target.exists():
        return target  # same bytes, same parser: already there
    staging = zone / f".tmp-{header.sha256}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for table in RECORD_TABLES:
        pq.write_table(table.arrow(document), staging / f"{table.name}.parquet")
    (staging / HEADER_FILE).write_text(
        json.dumps(
            {
                "document_sha256": header.sha256,
                "source_path": header.source_path,
                "doc_type": header.doc_type.value,
                "department_name": header.department,
                "department_code": header.department_code,
                "fiscal_year": header.year,
                "year_source": header.year_source.value,
                "page_count": header.page_count,
                "overall_goal": document.overall_goal,
                "other_tasks": document.other_tasks,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    try:
        staging.rename(target)
    except OSError:  # another worker renamed the same document first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def read_header(zone: Path, sha256: str) -> dict[str, Any]:
    return json.loads((zone / sha256 / HEADER_FILE).read_text(encoding="utf-8"))


def build_raw(warehouse: Path, zone: Path, ledger: Ledger, results_dir: Path) -> dict[str, int]:
    """A fresh warehouse file whose raw schema holds the records of every landed version of every
    document (current and superseded: the reconciliation gate may fall back on an earlier accepted
    version), their ledger status, and the quarantine. Returns row counts."""
    # Built under a temporary name and renamed into place: a transform claiming the previous build
    # never sees this one half-made.
    final, warehouse = warehouse, warehouse.with_name(warehouse.name + ".building")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    entries = ledger.entries()
    landed = [
        e
        for e in entries.values()
        if e.status in ("current", "superseded") and (zone / e.document_sha256).is_dir()
    ]
    versions = sorted(e.document_sha256 for e in landed)
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(DOCUMENTS_DDL)
        for table in RECORD_TABLES:
            connection.execute(table.ddl())
        for entry in landed:
            header = read_header(zone, entry.document_sha256)
            connection.execute(
                "insert into raw.documents values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    header["document_sha256"],
                    entry.source_path,
                    header["doc_type"],
                    header["department_name"],
                    header["department_code"],
                    header["fiscal_year"],
                    header["year_source"],
                    header["page_count"],
                    header["overall_goal"],
                    header["other_tasks"],
                    entry.status,
                    entry.superseded_by,
                    entry.version_key,
                    entry.first_seen_at,
                    entry.parsed_at,
                ],
            )
        for table in RECORD_TABLES:
            files = [str(zone / sha / f"{table.name}.parquet") for sha in versions]
            if files:
                connection.execute(
                    f"insert into raw.{table.name} by name select * from read_parquet(?)", [files]
                )
            counts[table.name] = connection.execute(f"select count(*) from raw.{table.name}").fetchone()[0]
        # The gate's tables exist from the start, so the dbt project builds with or without the gate.
        from ingest.gate import create_gate_tables

        create_gate_tables(connection, results_dir)
        quarantined = [list(row) for row in ledger.quarantined()]
        if quarantined:
            connection.executemany("insert into raw.quarantine values (?, ?, ?, ?)", quarantined)
        connection.execute("checkpoint")
    os.replace(warehouse, final)
    counts["documents"] = len(landed)
    return counts

"""The raw zone: each parsed document as Parquet, one file per record type, under `<zone>/<sha256>/`.

The raw tables' columns are derived from the record dataclasses in `ingest/records.py`, field by
field, under the fields' own names: a field added there appears here, in the Parquet files and in
the warehouse's raw schema without another declaration. Renaming for readers happens once, in dbt
staging. Every row is keyed by (document_sha256, line_number), its position in the document.

A document's folder is written under a temporary name and renamed into place, so a killed parse
worker leaves nothing half-written.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.records import (
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    BudgetExecutionLine,
    BudgetLine,
    DocumentHeader,
    EvaluatedIndicator,
    EvaluationSummary,
    Fact,
    Indicator,
    KeyTask,
    ParsedDocument,
    Project,
    ProjectIndicator,
    Score,
    TargetRecord,
    UnreadStatement,
)

HEADER_FILE = "document.json"
# Bumped when the files of a document change shape: a folder of another layout is written again.
ZONE_LAYOUT = 3
KEY_COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("document_sha256", pa.string()),
    ("line_number", pa.int32()),
)
AMOUNT = pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE)


@dataclass(frozen=True)
class FieldColumn:
    """A record field as a raw column: its Arrow type, and how a field value becomes a cell."""

    name: str
    type: pa.DataType
    nullable: bool
    cell: Callable[[Any], Any]


def _column(name: str, annotation: Any) -> FieldColumn | None:
    """The raw column of one field, or None for a field of nested records (they have a table)."""
    members = set(typing.get_args(annotation)) if isinstance(annotation, types.UnionType) else {annotation}
    nullable = type(None) in members
    members.discard(type(None))
    if members == {str}:
        return FieldColumn(name, pa.string(), nullable, lambda value: value)
    if len(members) == 1 and isinstance(member := next(iter(members)), type) and issubclass(member, StrEnum):
        return FieldColumn(name, pa.string(), nullable, lambda value: None if value is None else str(value))
    if members == {bool}:
        return FieldColumn(name, pa.bool_(), nullable, lambda value: value)
    if members == {int}:
        return FieldColumn(name, pa.int32(), nullable, lambda value: value)
    if members == {Decimal}:
        return FieldColumn(
            name, pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE), nullable, lambda value: value
        )
    if members == {Decimal, str}:
        # A figure or a word (等级为优): kept as printed; staging casts the numbers back, exactly.
        return FieldColumn(name, pa.string(), nullable, lambda value: None if value is None else str(value))
    (member,) = members
    if typing.get_origin(member) is tuple:
        item = typing.get_args(member)[0]
        if item is int:
            return FieldColumn(name, pa.list_(pa.int32()), nullable, list)
        if dataclasses.is_dataclass(item):
            return None
    raise TypeError(f"no raw column type for field {name}: {annotation}")


@functools.cache  # read once per record type, not for every document a worker writes
def record_columns(record_type: type) -> tuple[FieldColumn, ...]:
    hints = typing.get_type_hints(record_type)
    columns = (_column(field.name, hints[field.name]) for field in dataclasses.fields(record_type))
    return tuple(column for column in columns if column is not None)


@dataclass(frozen=True)
class RawTable:
    """One raw table: the records of one type, read from a parsed document.

    `parent` names the key of the record that holds these (a project's indicators carry
    `project_line_number`), for records printed inside another record.
    """

    name: str
    record_type: type
    records: Callable[[ParsedDocument], Iterator[tuple[dict[str, int], Any]]]
    parent: str | None = None

    @property
    def columns(self) -> tuple[FieldColumn, ...]:
        return record_columns(self.record_type)

    @property
    def schema(self) -> pa.Schema:
        parent = [(self.parent, pa.int32())] if self.parent else []
        return pa.schema([*KEY_COLUMNS, *parent, *((c.name, c.type) for c in self.columns)])

    def arrow(self, document: ParsedDocument) -> pa.Table:
        columns = self.columns
        rows = [
            {
                "document_sha256": document.header.sha256,
                "line_number": number,
                **keys,
                **{c.name: c.cell(getattr(record, c.name)) for c in columns},
            }
            for number, (keys, record) in enumerate(self.records(document), start=1)
        ]
        return pa.Table.from_pylist(rows, schema=self.schema)


def _each(
    select: Callable[[ParsedDocument], Sequence[Any]],
) -> Callable[[ParsedDocument], Iterator[tuple[dict[str, int], Any]]]:
    def records(document: ParsedDocument) -> Iterator[tuple[dict[str, int], Any]]:
        for record in select(document):
            yield {}, record

    return records


def _project_indicators(document: ParsedDocument) -> Iterator[tuple[dict[str, int], ProjectIndicator]]:
    for project_line_number, project in enumerate(document.projects, start=1):
        for indicator in project.indicators:
            yield {"project_line_number": project_line_number}, indicator


RAW_TABLES = (
    RawTable("budget_lines", BudgetLine, _each(lambda d: d.budget_lines)),
    RawTable("key_tasks", KeyTask, _each(lambda d: d.key_tasks)),
    RawTable("indicators", Indicator, _each(lambda d: d.indicators)),
    RawTable("projects", Project, _each(lambda d: d.projects)),
    RawTable("project_indicators", ProjectIndicator, _project_indicators, parent="project_line_number"),
    RawTable("target_parts", TargetRecord, _each(lambda d: d.targets)),
    RawTable("scores", Score, _each(lambda d: d.scores)),
    RawTable("facts", Fact, _each(lambda d: d.facts)),
    RawTable("unread_statements", UnreadStatement, _each(lambda d: d.unread_statements)),
    RawTable("execution_lines", BudgetExecutionLine, _each(lambda d: d.execution_lines)),
    RawTable("evaluated_indicators", EvaluatedIndicator, _each(lambda d: d.evaluated_indicators)),
    RawTable("evaluations", EvaluationSummary, _each(lambda d: d.evaluation)),
)
# What a complete document folder holds: its header and one file per raw table.
COMPLETE_FILES = frozenset({HEADER_FILE, *(f"{table.name}.parquet" for table in RAW_TABLES)})

# The header file: the document's identity, its fields under their record names.
HEADER_COLUMNS = (
    *(field.name for field in dataclasses.fields(DocumentHeader)),
    "overall_goal",
    "other_tasks",
)


def document_header(document: ParsedDocument) -> dict[str, Any]:
    header = dataclasses.asdict(document.header)
    return {**header, "overall_goal": document.overall_goal, "other_tasks": document.other_tasks}


class ZoneWriteError(OSError):
    """A document's records could not be written to the raw zone: the machine's fault, not the
    document's, so the landing fails rather than quarantining the document or losing it."""


def _current(folder: Path) -> bool:
    try:
        return bool(json.loads((folder / HEADER_FILE).read_text(encoding="utf-8"))["layout"] == ZONE_LAYOUT)
    except (OSError, ValueError, KeyError):
        return False


def is_complete(zone: Path, sha256: str) -> bool:
    """The document's folder holds this layout's header and every raw table's file."""
    folder = zone / sha256
    try:
        # One listing of the folder, not a stat per file: `discover` asks this of every current
        # document each night.
        with os.scandir(folder) as entries:
            files = {entry.name for entry in entries if entry.is_file()}
    except OSError:
        return False
    return files >= COMPLETE_FILES and _current(folder)


def write_zone(zone: Path, document: ParsedDocument) -> Path:
    """Write one document's records as Parquet (one file per raw table, even when empty) plus its
    header, into `<zone>/<sha256>/`; the folder appears complete or not at all."""
    sha256 = document.header.sha256
    target = zone / sha256
    if is_complete(zone, sha256):
        return target  # same bytes, same parser: already there
    staging = zone / f".tmp-{sha256}-{os.getpid()}"
    try:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for table in RAW_TABLES:
            pq.write_table(table.arrow(document), staging / f"{table.name}.parquet")
        (staging / HEADER_FILE).write_text(
            json.dumps({**document_header(document), "layout": ZONE_LAYOUT}, ensure_ascii=False),
            encoding="utf-8",
        )
        if target.exists():  # an older layout, or a folder left incomplete: this one replaces it
            shutil.rmtree(target)
        staging.rename(target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        if is_complete(zone, sha256):  # another worker renamed the same document first
            return target
        raise ZoneWriteError(f"{target}: the raw zone could not be written: {error}") from error
    return target


# A header field added since a folder was written takes its default: what the parser of then always
# meant (`ocr`: it read no scan).
_HEADER_DEFAULTS = {
    field.name: field.default
    for field in dataclasses.fields(DocumentHeader)
    if field.default is not dataclasses.MISSING
}


def read_header(zone: Path, sha256: str) -> dict[str, Any]:
    return {**_HEADER_DEFAULTS, **json.loads((zone / sha256 / HEADER_FILE).read_text(encoding="utf-8"))}

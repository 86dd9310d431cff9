"""The tables jixiao itself writes into a warehouse build, each declared once, and the DuckDB
settings of its writers.

dbt makes everything else (staging, intermediate, audit, marts); these are its sources and the
records of a night around it:

- `raw.*`: one table per record type, their columns derived from `ingest/records.py` through the
  raw zone's Arrow schemas (`ingest.zone.RAW_TABLES`); `raw.documents`, each landed version's
  header (its columns derived from `DocumentHeader`) beside its ledger entry; `raw.quarantine`;
- `meta.build_inputs` (the fingerprint of a build's inputs and of the code it was made with, and
  whether it was made in full or from the served file), `meta.build_changes` (the document versions
  whose own rows the build computes) and `meta.publication` (which run a published file is);
- `reconciliation.*`: each checkpoint's results and the documents a run keeps out of the marts.

Rows go in by column name, never by position. `tests/dbt_project` holds dbt's source declarations
to these tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from ingest.records import DocumentHeader
from ingest.zone import RAW_TABLES, RawTable, record_columns
from jixiao.runtime.settings import PROJECT_ROOT


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB's type
    nullable: bool = True

    def ddl(self) -> str:
        return f'"{self.name}" {self.type}{"" if self.nullable else " not null"}'


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    view: bool = False  # made by its own statement; DuckDB reports every column of a view nullable

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def ddl(self, *, replace: bool = False) -> str:
        lines = [column.ddl() for column in self.columns]
        if self.primary_key:
            lines.append(f"primary key ({', '.join(self.primary_key)})")
        body = ",\n    ".join(lines)
        create = "create or replace table" if replace else "create table if not exists"
        return f"create schema if not exists {self.schema};\n{create} {self.qualified} (\n    {body}\n);"

    def insert(self, connection: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, object]]) -> None:
        """Insert `rows`, each a mapping of this table's column names to values."""
        if not rows:
            return
        names = self.column_names
        unknown = {key for row in rows for key in row} - set(names)
        if unknown:
            raise KeyError(f"{self.qualified} has no column {', '.join(sorted(unknown))}")
        columns = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join("?" for _ in names)
        connection.executemany(
            f"insert into {self.qualified} ({columns}) values ({marks})",
            [[row.get(name) for name in names] for row in rows],
        )

    def insert_relation(
        self,
        connection: duckdb.DuckDBPyConnection,
        relation: str,
        parameters: Sequence[object] = (),
        where: str = "true",
    ) -> None:
        """Insert the rows of a relation (a registered Arrow table or stream, a table function), by
        column name."""
        connection.execute(
            f"insert into {self.qualified} by name select * from {relation} where {where}", list(parameters)
        )


# --- raw ------------------------------------------------------------------------------------------

_ARROW_TYPES = {
    pa.string(): "varchar",
    pa.bool_(): "boolean",
    pa.int32(): "integer",
    pa.list_(pa.int32()): "integer[]",
}


def _arrow_type(kind: pa.DataType) -> str:
    if pa.types.is_decimal(kind):
        return f"decimal({kind.precision}, {kind.scale})"
    return _ARROW_TYPES[kind]


def _raw_record_table(table: RawTable) -> Table:
    nullable = {column.name: column.nullable for column in table.columns}
    return Table(
        "raw",
        table.name,
        tuple(
            Column(field.name, _arrow_type(field.type), nullable.get(field.name, False))
            for field in table.schema
        ),
        primary_key=("document_sha256", "line_number"),
    )


# The header's fields as columns, through the raw zone's one mapping of record fields (its sha256 and
# path are the ledger's, under the names below).
_HEADER_COLUMNS = tuple(
    Column(column.name, _arrow_type(column.type), column.nullable)
    for column in record_columns(DocumentHeader)
    if column.name not in ("sha256", "source_path")
)


RAW_RECORD_TABLES = tuple(_raw_record_table(table) for table in RAW_TABLES)
# The header's fields under their record names (ingest/records.py), then the ledger's.
RAW_DOCUMENTS = Table(
    "raw",
    "documents",
    (
        Column("document_sha256", "varchar", nullable=False),
        Column("source_path", "varchar", nullable=False),
        *_HEADER_COLUMNS,
        Column("overall_goal", "varchar"),
        Column("other_tasks", "varchar"),
        Column("status", "varchar", nullable=False),
        Column("superseded_by", "varchar"),
        Column("versions_after", "integer"),  # `jixiao.runtime.ledger.versions_after`
        Column("version_key", "varchar", nullable=False),
        Column("first_seen_at", "timestamp", nullable=False),
        Column("parsed_at", "timestamp", nullable=False),
    ),
    primary_key=("document_sha256",),
)
# The header fields a build copies from the zone or from the previous build, beside the ledger's.
HEADER_FIELDS = (*(column.name for column in _HEADER_COLUMNS), "overall_goal", "other_tasks")
RAW_QUARANTINE = Table(
    "raw",
    "quarantine",
    (
        Column("source_path", "varchar", nullable=False),
        Column("document_sha256", "varchar", nullable=False),
        Column("error_type", "varchar", nullable=False),
        Column("message", "varchar", nullable=False),
    ),
)

# --- meta -----------------------------------------------------------------------------------------

BUILD_INPUTS = Table(
    "meta",
    "build_inputs",
    (
        Column("inputs", "varchar", nullable=False),
        # What else the build's rows depend on (`jixiao.stages.land.code_fingerprint`): a build
        # whose code differs from the served one's is made in full.
        Column("code", "varchar", nullable=False),
        Column("mode", "varchar", nullable=False),  # full | incremental
    ),
)
# The document versions whose rows of their own (the checks within documents) this build computes:
# every landed version in a full build; in an incremental one, the versions new to it, renamed, or
# gone (their rows are deleted). The incremental dbt models and the documents checkpoint read it.
BUILD_CHANGES = Table("meta", "build_changes", (Column("document_sha256", "varchar", nullable=False),))
PUBLICATION = Table(
    "meta",
    "publication",
    (Column("run_id", "varchar", nullable=False), Column("published_at", "timestamp", nullable=False)),
)

# --- reconciliation -------------------------------------------------------------------------------

DOCUMENT_REJECTIONS = Table(
    "reconciliation",
    "document_rejections",
    (
        Column("document_sha256", "varchar", nullable=False),
        Column("source_path", "varchar", nullable=False),
        Column("check_id", "varchar", nullable=False),
        Column("message", "varchar", nullable=False),
    ),
)
_RESULT_COLUMNS = (
    Column("run_id", "varchar", nullable=False),
    Column("checked_at", "timestamp", nullable=False),
    Column("stage", "varchar", nullable=False),
    Column("check_id", "varchar", nullable=False),
    Column("check_number", "varchar", nullable=False),
    Column("check_label", "varchar", nullable=False),
    Column("severity", "varchar", nullable=False),
    Column("department_code", "varchar"),
    Column("fiscal_year", "integer"),
    Column("documents", "varchar"),
    Column("document_sha256s", "varchar"),
    Column("subject", "varchar"),
    Column("observed_label", "varchar"),
    Column("observed", "decimal(38, 4)"),
    Column("expected_label", "varchar"),
    Column("expected", "decimal(38, 4)"),
    Column("difference", "decimal(38, 4)"),
    Column("tolerance", "decimal(38, 4)"),
    Column("outcome", "varchar", nullable=False),
    Column("passed", "boolean"),
    Column("detail", "varchar"),
    Column("check_row_id", "varchar", nullable=False),
)
# `reconciliation.results`, what readers query, is a view over two tables of the same columns:
# the earlier runs' results, loaded once by the build and never written again, and this run's,
# which the checkpoints write. Appended to one table, a checkpoint's rows sometimes completed a
# DuckDB row group of the history, and the checkpoint at close then rewrote it whole: +170 MiB in
# the gate's worker, once every 15 nights or so at 1,000 documents.
EARLIER_RESULTS = Table("reconciliation", "earlier_results", _RESULT_COLUMNS)
RUN_RESULTS = Table("reconciliation", "run_results", _RESULT_COLUMNS)
RESULTS = Table("reconciliation", "results", _RESULT_COLUMNS, view=True)  # over both
RESULTS_VIEW = f"""
create or replace view {RESULTS.qualified} as
select * from {EARLIER_RESULTS.qualified}
union all
select * from {RUN_RESULTS.qualified};
"""

# Every relation a build holds before dbt runs (`jixiao.stages.build`), and the publication's stamp.
BUILD_TABLES = (
    RAW_DOCUMENTS,
    *RAW_RECORD_TABLES,
    RAW_QUARANTINE,
    BUILD_INPUTS,
    BUILD_CHANGES,
    DOCUMENT_REJECTIONS,
    EARLIER_RESULTS,
    RUN_RESULTS,
    RESULTS,
)
TABLES = (*BUILD_TABLES, PUBLICATION)

# --- DuckDB's settings ----------------------------------------------------------------------------


def _dbt_profile_settings(profiles: Path) -> dict[str, str | bool | int | float | list[str]]:
    """The DuckDB settings of dbt's profile: one bound for dbt and the night's own writers."""
    profile = yaml.safe_load(profiles.read_text(encoding="utf-8"))
    return dict(profile["jixiao"]["outputs"]["warehouse"]["settings"])


# DuckDB takes 80 % of the machine's memory by default and keeps what it took; the night's writers
# run beside Airflow, dbt and GE, so each connection gets the bound dbt's has (and spills to disk
# beyond it), as dbt_project/profiles.yml sets it.
WRITER_DUCKDB_CONFIG = _dbt_profile_settings(PROJECT_ROOT / "dbt_project" / "profiles.yml")
# The reconciliation checkpoints' connections: their queries are small beside dbt's, but the gate's
# worker also holds Great Expectations and a stage's judged rows, so one thread and a smaller bound.
# The checks across documents read views over every bureau-year, which need this one as bureau-years
# add up; the documents stage's reads, sorts and inserts spill to disk under a quarter of dbt's.
# A stage out of memory under its own bound runs again under the larger (`jixiao.stages.check.run`).
GATE_DUCKDB_CONFIG = {**WRITER_DUCKDB_CONFIG, "memory_limit": "128MB", "threads": 1}
DOCUMENTS_GATE_DUCKDB_CONFIG = {**GATE_DUCKDB_CONFIG, "memory_limit": "64MB"}


def write_ahead_log(database: Path) -> Path:
    """The file DuckDB keeps a database's uncheckpointed changes in, replayed when it next opens:
    whoever replaces or drops a database file drops this one with it."""
    return database.with_name(f"{database.name}.wal")


# Loading the history of reconciliation results into a build (a million rows after about 120
# nights of 1,000 documents): its connection's memory follows the bound, not the rows (an isolated
# load of a million rows: 453 MiB at 256 MB, 334 at 128 MB, 2.3 and 2.4 s).
HISTORY_DUCKDB_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    **WRITER_DUCKDB_CONFIG,
    "memory_limit": "128MB",
}

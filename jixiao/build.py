"""The raw schema of a new warehouse build, made from the raw zone and the ledger by the one loader.

Only the loader opens a build for writing before the transform claims it. The record tables take
their columns from `ingest.zone.RAW_TABLES`; `raw.documents` joins each landed version's header to
its ledger entry; `raw.quarantine` is the ledger's list of documents that could not be read.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ingest.zone import HEADER_COLUMNS, RAW_TABLES, read_header
from jixiao.ledger import Ledger, LedgerEntry
from jixiao.reconciliation.results import create_reconciliation_tables

# The header's fields under their record names (ingest/records.py), then the ledger's.
DOCUMENTS_DDL = """
create schema if not exists raw;
create table raw.documents (
    document_sha256 varchar primary key,
    source_path varchar not null,
    doc_type varchar not null,
    department varchar not null,
    year integer not null,
    year_source varchar not null,
    page_count integer not null,
    department_code varchar,
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
create schema if not exists meta;
create table meta.build_inputs (
    inputs varchar not null
);
"""
_HEADER_FIELDS = tuple(name for name in HEADER_COLUMNS if name not in ("sha256", "source_path"))


def _document_row(header: dict[str, object], entry: LedgerEntry) -> list[object]:
    return [
        entry.document_sha256,
        entry.source_path,  # the name it has now: a renamed file keeps its records
        *(header[name] for name in _HEADER_FIELDS),
        entry.status,
        entry.superseded_by,
        entry.version_key,
        entry.first_seen_at,
        entry.parsed_at,
    ]


def build_raw(
    warehouse: Path, zone: Path, ledger: Ledger, results_dir: Path, *, inputs: str = ""
) -> dict[str, int]:
    """A fresh warehouse file whose raw schema holds the records of every landed version of every
    document (current and superseded: reconciliation may fall back on an earlier accepted version),
    their ledger status, and the quarantine; `meta.build_inputs` holds the fingerprint of those
    inputs (`jixiao.inputs`), which the publication records. Returns row counts."""
    # Built under a temporary name and renamed into place: a transform claiming the previous build
    # never sees this one half-made.
    final, warehouse = warehouse, warehouse.with_name(warehouse.name + ".building")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        leftover.unlink(missing_ok=True)
    landed = [
        entry
        for entry in ledger.entries().values()
        if entry.status in ("current", "superseded") and (zone / entry.document_sha256).is_dir()
    ]
    versions = sorted(entry.document_sha256 for entry in landed)
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(DOCUMENTS_DDL)
        for table in RAW_TABLES:
            connection.execute(table.ddl())
        rows = [_document_row(read_header(zone, entry.document_sha256), entry) for entry in landed]
        if rows:
            placeholders = ", ".join("?" * len(rows[0]))
            connection.executemany(f"insert into raw.documents values ({placeholders})", rows)
        for table in RAW_TABLES:
            files = [str(zone / sha / f"{table.name}.parquet") for sha in versions]
            if files:
                connection.execute(
                    f"insert into raw.{table.name} by name select * from read_parquet(?)", [files]
                )
            (count,) = connection.execute(f"select count(*) from raw.{table.name}").fetchone() or (0,)
            counts[table.name] = int(count)
        # The reconciliation tables exist from the start, so the dbt project builds with or without
        # a checkpoint having run.
        create_reconciliation_tables(connection, results_dir)
        quarantined = [list(row) for row in ledger.quarantined()]
        if quarantined:
            connection.executemany("insert into raw.quarantine values (?, ?, ?, ?)", quarantined)
        connection.execute("insert into meta.build_inputs values (?)", [inputs])
        connection.execute("checkpoint")
    os.replace(warehouse, final)
    counts["documents"] = len(landed)
    return counts

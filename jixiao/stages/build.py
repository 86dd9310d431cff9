"""The raw schema of a new warehouse build, made from the raw zone and the ledger by the one loader.

Only the loader opens a build for writing before the transform claims it. The record tables take
their columns from `ingest.zone.RAW_TABLES`; `raw.documents` joins each landed version's header to
its ledger entry; `raw.quarantine` is the ledger's list of documents that could not be read.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Collection
from pathlib import Path

import duckdb

from ingest.departments import DepartmentDirectory
from ingest.zone import RAW_TABLES, is_complete, read_header
from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.ledger import Ledger, LedgerEntry, versions_after
from jixiao.runtime.sql_text import string_literal
from jixiao.runtime.state import results_file_name
from jixiao.runtime.warehouse import (
    BUILD_CHANGES,
    BUILD_INPUTS,
    DOCUMENT_REJECTIONS,
    EARLIER_RESULTS,
    HEADER_FIELDS,
    HISTORY_DUCKDB_CONFIG,
    RAW_DOCUMENTS,
    RAW_QUARANTINE,
    RAW_RECORD_TABLES,
    RESULTS,
    RESULTS_VIEW,
    RUN_RESULTS,
    WRITER_DUCKDB_CONFIG,
    Table,
    write_ahead_log,
)

# A failed or warned check: what mart_reconciliation_findings reads of the history.
IS_FINDING = "outcome in ('failed', 'warned')"
log = logging.getLogger(__name__)


class ZoneIncomplete(RuntimeError):
    """The ledger says a version landed, but the raw zone lacks its records: building without them
    would drop a document silently."""


def _document_row(header: dict[str, object], entry: LedgerEntry, after: int | None) -> dict[str, object]:
    return {
        "document_sha256": entry.document_sha256,
        "source_path": entry.source_path,  # the name it has now: a renamed file keeps its records
        **{name: header[name] for name in HEADER_FIELDS},
        "status": entry.status,
        "superseded_by": entry.superseded_by,
        "versions_after": after,
        "version_key": entry.version_key,
        "first_seen_at": entry.first_seen_at,
        "parsed_at": entry.parsed_at,
    }


def create_reconciliation_tables(connection: duckdb.DuckDBPyConnection, results_dir: Path) -> None:
    """Empty rejections and this run's results, and every earlier run's results (kept under the
    state folder: each checkpoint writes its own file), so a published warehouse also carries the
    results of blocked runs."""
    for table in (DOCUMENT_REJECTIONS, EARLIER_RESULTS, RUN_RESULTS):
        connection.execute(table.ddl(replace=True))
    connection.execute(RESULTS_VIEW)
    files = sorted(str(path) for path in results_dir.glob("*.parquet"))
    if not files:
        return
    # The findings (about one row in nine) first, then the rest: in row groups of their own, which
    # DuckDB's zone maps let a reader of the findings alone skip the rest of. Mixed, the findings'
    # mart read every block of the history and DuckDB kept them in its buffers.
    for condition in (IS_FINDING, f"not ({IS_FINDING})"):
        EARLIER_RESULTS.insert_relation(
            connection, "read_parquet(?, union_by_name = true)", [files], where=condition
        )


def build_raw(
    warehouse: Path,
    zone: Path,
    ledger: Ledger,
    results_dir: Path,
    *,
    inputs: str = "",
    code: str = "",
    previous: Path | None = None,
    fresh: Collection[str] = (),
    full: bool = False,
    departments: DepartmentDirectory | None = None,
) -> dict[str, int]:
    """The next warehouse build, its raw schema holding the records of every landed version of every
    document (current and superseded: reconciliation may fall back on an earlier accepted version),
    their ledger status, and the quarantine; `meta.build_inputs` holds the fingerprint of those
    inputs (`jixiao.stages.land.fingerprint`), which the publication records, and of the code.
    Returns row counts, and `incremental` (1 or 0).

    Incremental: when `previous` (the served warehouse) was built with the same `code` and `full`
    is not asked for, the build is a copy of it, everything dbt and reconciliation made included,
    and only what changed is written: the records of the versions new to it (and of those parsed
    again this night, `fresh`), every version's ledger status, the quarantine. `meta.build_changes`
    lists the versions whose own rows the transform must compute again; dbt's incremental models
    and the documents checkpoint do only those.

    Full: a new file; a version's records never change once landed (new bytes or a new parser make
    a new landing), so those `previous` already holds are still copied from it, one read per table,
    and only the others are read from the zone's files. Every version is in `meta.build_changes`.

    Each version's `department_code` is matched again against `departments` (the seed as it is
    now), so a row or alias added to the seed takes effect on the documents already landed.
    """
    # Built under a temporary name and renamed into place: a transform claiming the previous build
    # never sees this one half-made.
    final, warehouse = warehouse, warehouse.with_name(warehouse.name + ".building")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (warehouse, write_ahead_log(warehouse)):
        leftover.unlink(missing_ok=True)
    landed = {
        entry.document_sha256: entry
        for entry in ledger.entries().values()
        # A withdrawn file that was only ever quarantined has no records: nothing to keep.
        if entry.status in ("current", "superseded") or (entry.status == "withdrawn" and entry.doc_type)
    }
    incremental = not full and previous is not None and built_with(previous) == code
    if incremental:
        assert previous is not None
        # The served file is checkpointed before it is published (no write-ahead log beside it).
        shutil.copyfile(previous, warehouse)
        counts = _update_copy(warehouse, zone, ledger, results_dir, landed, fresh, departments)
    else:
        counts = _make_new(warehouse, zone, ledger, results_dir, landed, previous, fresh, departments)
    with duckdb.connect(str(warehouse), config=WRITER_DUCKDB_CONFIG) as connection:
        connection.execute(BUILD_INPUTS.ddl(replace=True))
        BUILD_INPUTS.insert(
            connection, [{"inputs": inputs, "code": code, "mode": "incremental" if incremental else "full"}]
        )
        connection.execute("checkpoint")
    pause_at("build.before_rename")
    os.replace(warehouse, final)
    counts["documents"] = len(landed)
    counts["incremental"] = int(incremental)
    return counts


def _build_input(warehouse: Path, column: str) -> str | None:
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            row = connection.execute(f"select max({column}) from {BUILD_INPUTS.qualified}").fetchone()
    except duckdb.Error:
        return None
    return str(row[0]) if row and row[0] else None


def built_with(warehouse: Path) -> str | None:
    """The code fingerprint a warehouse was built with; None when it has none (built before builds
    recorded it) or cannot be read."""
    return _build_input(warehouse, "code")


def build_mode(warehouse: Path) -> str | None:
    """How a build was made: `full`, or `incremental` (a copy of the served warehouse, whose seeds,
    views and unit tests were made and passed by the same dbt project); None when unknown."""
    return _build_input(warehouse, "mode")


# Written again by every build (each version's ledger status, the quarantine, what changed) or by the
# transform's checkpoints: dbt sources that change whatever the night brought.
SOURCES_ALWAYS_CHANGED = (RAW_DOCUMENTS, RAW_QUARANTINE, BUILD_CHANGES, DOCUMENT_REJECTIONS, RESULTS)


def changed_sources(warehouse: Path) -> list[str]:
    """The relations of the raw and reconciliation schemas whose rows an incremental build changed,
    as dbt names its sources (`raw.budget_lines`): those always written, and the record tables
    holding rows of a version in `meta.build_changes`; every record table when one of those versions
    is gone (its rows deleted, the tables that held them unknown)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        changes = f"select document_sha256 from {BUILD_CHANGES.qualified}"
        (gone,) = connection.execute(
            f"select count(*) from ({changes}) where document_sha256 not in"
            f" (select document_sha256 from {RAW_DOCUMENTS.qualified})"
        ).fetchone() or (0,)

        def holds_a_change(table: Table) -> bool:
            query = f"select exists (select 1 from {table.qualified} where document_sha256 in ({changes}))"
            return connection.execute(query).fetchone() == (True,)

        records = [table for table in RAW_RECORD_TABLES if gone or holds_a_change(table)]
    return sorted(table.qualified for table in (*SOURCES_ALWAYS_CHANGED, *records))


def _make_new(
    warehouse: Path,
    zone: Path,
    ledger: Ledger,
    results_dir: Path,
    landed: dict[str, LedgerEntry],
    previous: Path | None,
    fresh: Collection[str],
    departments: DepartmentDirectory | None,
) -> dict[str, int]:
    # The reconciliation tables exist from the start, so the dbt project builds with or without a
    # checkpoint having run. Their history (every run's results, about 8,000 rows a night at 1,000
    # documents) is loaded in a connection of its own: DuckDB keeps what an insert took until the
    # database closes, up to its memory bound, so loaded beside the raw records it added its memory
    # to theirs; alone and under a smaller bound, it stays flat as the nights add up.
    with duckdb.connect(str(warehouse), config=HISTORY_DUCKDB_CONFIG) as connection:
        create_reconciliation_tables(connection, results_dir)
    with duckdb.connect(str(warehouse), config=WRITER_DUCKDB_CONFIG) as connection:
        for created in (RAW_DOCUMENTS, *RAW_RECORD_TABLES, RAW_QUARANTINE, BUILD_CHANGES):
            connection.execute(created.ddl())
        headers = _copy_previous(connection, previous, set(landed) - set(fresh))
        from_zone = sorted(set(landed) - set(headers))
        counts = _load_versions(connection, zone, ledger, landed, headers, from_zone, departments)
        _note_changes(connection, sorted(landed))
        connection.execute("checkpoint")
    return counts


def _update_copy(
    warehouse: Path,
    zone: Path,
    ledger: Ledger,
    results_dir: Path,
    landed: dict[str, LedgerEntry],
    fresh: Collection[str],
    departments: DepartmentDirectory | None,
) -> dict[str, int]:
    """Bring a copy of the served warehouse to the ledger as it is now (see `build_raw`)."""
    with duckdb.connect(str(warehouse), config=HISTORY_DUCKDB_CONFIG) as connection:
        _add_history(connection, results_dir)
    with duckdb.connect(str(warehouse), config=WRITER_DUCKDB_CONFIG) as connection:
        names = dict(connection.execute("select document_sha256, source_path from raw.documents").fetchall())
        kept = sorted(set(landed).intersection(names) - set(fresh))
        columns = ", ".join(HEADER_FIELDS)
        connection.execute(
            "create temporary table kept as select unnest(?::varchar[]) as document_sha256", [kept]
        )
        headers = {
            sha: dict(zip(HEADER_FIELDS, values, strict=True))
            for sha, *values in connection.execute(
                f"select document_sha256, {columns} from raw.documents"
                " where document_sha256 in (select document_sha256 from kept)"
            ).fetchall()
        }
        for table in RAW_TABLES:
            connection.execute(
                f"delete from raw.{table.name}"
                " where document_sha256 not in (select document_sha256 from kept)"
            )
        connection.execute("drop table temp.kept")
        connection.execute(f"delete from {RAW_QUARANTINE.qualified}")
        from_zone = sorted(set(landed) - set(headers))
        counts = _load_versions(connection, zone, ledger, landed, headers, from_zone, departments)
        renamed = [sha for sha in kept if names[sha] != landed[sha].source_path]
        gone = [sha for sha in names if sha not in landed]
        connection.execute(BUILD_CHANGES.ddl(replace=True))
        _note_changes(connection, sorted({*from_zone, *renamed, *gone}))
        # Reconciliation decides again which documents it keeps out, as in a new build.
        connection.execute(f"delete from {DOCUMENT_REJECTIONS.qualified}")
        connection.execute("checkpoint")
    return counts


# Documents whose records are loaded in one transaction (`_load_versions`), and the fewest whose
# transaction is checkpointed at once.
LOAD_CHUNK = 1_000
CHECKPOINTED_CHUNK = 100


def _load_versions(
    connection: duckdb.DuckDBPyConnection,
    zone: Path,
    ledger: Ledger,
    landed: dict[str, LedgerEntry],
    headers: dict[str, dict[str, object]],
    from_zone: list[str],
    departments: DepartmentDirectory | None,
) -> dict[str, int]:
    """raw.documents for every landed version, the records of `from_zone` read from the zone (the
    others are in the build already), the quarantine. Returns row counts."""
    # Imported here, in the warehouse worker: the night process reads a build's mode and changes
    # through this module (`build_mode`, `changed_sources`), and pyarrow's import would add its
    # seconds and memory to every night that builds.
    import pyarrow as pa
    import pyarrow.dataset as ds

    lost = [landed[sha].source_path for sha in from_zone if not is_complete(zone, sha)]
    if lost:
        raise ZoneIncomplete(
            f"{len(lost)} landed documents have no complete folder in the raw zone {zone}"
            f" (first: {', '.join(lost[:3])}): restore it, or drop the files in again"
        )
    headers.update({sha: read_header(zone, sha) for sha in from_zone})
    if departments is not None:
        # A bureau prints its name alike on every version: each name is matched once.
        codes = {
            name: departments.match(name)
            for name in {str(header["department"]) for header in headers.values()}
        }
        for header in headers.values():
            header["department_code"] = codes[str(header["department"])]
    after = versions_after(landed)
    rows = [_document_row(headers[sha], landed[sha], after[sha]) for sha in sorted(landed)]
    if rows:
        # One insert from an Arrow table: executemany runs one statement per row (2.5 s for
        # 1,000 documents, on every night that builds).
        connection.register("incoming_documents", pa.Table.from_pylist(rows))
        _write_documents(connection, "incoming_documents")
        connection.unregister("incoming_documents")
    else:
        connection.execute(f"delete from {RAW_DOCUMENTS.qualified}")
    counts: dict[str, int] = {}
    for table in RAW_TABLES:
        files = [str(zone / sha / f"{table.name}.parquet") for sha in from_zone]
        for start in range(0, len(files), LOAD_CHUNK):
            # Streamed from pyarrow's reader, batch by batch: with DuckDB's read_parquet over
            # the files, a first night's build of 1,007 documents peaked at 593 MiB; so 393 MiB.
            # A transaction and a checkpoint per chunk of documents: DuckDB holds a transaction's
            # rows, then the committed ones, in memory until a checkpoint writes them out.
            chunk = files[start : start + LOAD_CHUNK]
            stream = ds.dataset(chunk, schema=table.schema, format="parquet").scanner().to_reader()
            connection.register("incoming_rows", stream)
            connection.execute(f"insert into raw.{table.name} by name select * from incoming_rows")
            connection.unregister("incoming_rows")
            # The rows of a night's few new documents wait for the build's one checkpoint at the
            # end instead of one checkpoint per table (docs/performance.md).
            if len(chunk) >= CHECKPOINTED_CHUNK:
                connection.execute("checkpoint")
        (count,) = connection.execute(f"select count(*) from raw.{table.name}").fetchone() or (0,)
        counts[table.name] = int(count)
    RAW_QUARANTINE.insert(connection, [row._asdict() for row in ledger.quarantined()])
    counts["documents_from_zone"] = len(from_zone)
    return counts


def _write_documents(connection: duckdb.DuckDBPyConnection, incoming: str) -> None:
    """Make `raw.documents` hold exactly the rows of the relation `incoming`, writing only the rows
    that differ: in a copy of the served build, a night changes the rows of a few versions (the new
    ones, and those whose status or place in their chain moved), and rewriting every row made the
    build's checkpoint write the whole table again."""
    columns = RAW_DOCUMENTS.column_names
    # Typed as the table is, so that a value compares with the one stored.
    connection.execute(
        f"create or replace temporary table incoming_rows as select * from {RAW_DOCUMENTS.qualified} limit 0"
    )
    connection.execute(f"insert into temp.incoming_rows by name select * from {incoming}")
    same = " and ".join(f'stored."{name}" is not distinct from incoming."{name}"' for name in columns)
    connection.execute(
        f"delete from {RAW_DOCUMENTS.qualified} as stored"
        f" where not exists (select 1 from temp.incoming_rows as incoming where {same})"
    )
    connection.execute(
        f"insert into {RAW_DOCUMENTS.qualified} by name select * from temp.incoming_rows"
        f" where document_sha256 not in (select document_sha256 from {RAW_DOCUMENTS.qualified})"
    )
    connection.execute("drop table temp.incoming_rows")


def _note_changes(connection: duckdb.DuckDBPyConnection, changed: list[str]) -> None:
    connection.execute(f"insert into {BUILD_CHANGES.qualified} select unnest(?::varchar[])", [changed])


def _add_history(connection: duckdb.DuckDBPyConnection, results_dir: Path) -> None:
    """The copy's history made this night's: the served run's results join the earlier runs', and
    the results files of runs the copy does not hold (runs blocked since) are loaded."""
    connection.execute(
        f"insert into {EARLIER_RESULTS.qualified} by name select * from {RUN_RESULTS.qualified}"
    )
    connection.execute(f"delete from {RUN_RESULTS.qualified}")
    held = {
        results_file_name(run_id, stage)
        for run_id, stage in connection.execute(
            f"select distinct run_id, stage from {EARLIER_RESULTS.qualified}"
        ).fetchall()
    }
    files = [str(path) for path in sorted(results_dir.glob("*.parquet")) if path.name not in held]
    if files:
        EARLIER_RESULTS.insert_relation(connection, "read_parquet(?, union_by_name = true)", [files])


def _copy_previous(
    connection: duckdb.DuckDBPyConnection, previous: Path | None, wanted: set[str]
) -> dict[str, dict[str, object]]:
    """Copy the raw records of the `wanted` versions that `previous` holds into this build; return
    their headers by sha. Nothing is copied (everything comes from the zone) when there is no
    previous warehouse or its raw tables are not this build's (another layout)."""
    if previous is None or not previous.exists() or not wanted:
        return {}
    # ATTACH takes no parameters: the path as an SQL string literal.
    connection.execute(f"attach {string_literal(previous)} as previous (read_only)")
    try:
        connection.execute(
            "create temporary table kept as select unnest(?::varchar[]) as document_sha256", [sorted(wanted)]
        )
        connection.execute(
            "delete from kept where document_sha256 not in"
            " (select document_sha256 from previous.raw.documents)"
        )
        columns = ", ".join(HEADER_FIELDS)
        headers = {
            sha: dict(zip(HEADER_FIELDS, values, strict=True))
            for sha, *values in connection.execute(
                f"select document_sha256, {columns} from previous.raw.documents"
                " where document_sha256 in (select document_sha256 from kept)"
            ).fetchall()
        }
        for table in RAW_TABLES:
            connection.execute(
                f"insert into raw.{table.name} by name select * from previous.raw.{table.name}"
                " where document_sha256 in (select document_sha256 from kept)"
            )
    except duckdb.Error as error:
        # Not the raw schema this build has (a column added since): read everything from the zone.
        log.info("raw records not copied from %s (%s): every version is read from the zone", previous, error)
        for table in RAW_TABLES:
            connection.execute(f"delete from raw.{table.name}")
        headers = {}
    finally:
        connection.execute("drop table if exists temp.kept")
        connection.execute("detach previous")
    return headers

"""The load ledger: which documents (by content sha256) jixiao has seen, under which names, parsed
by which parser version, and which one is current for its department, year and type.

A small SQLite file next to the raw zone: the landing DAG's loader is its only writer, anyone may
read it. Nothing here is ever deleted: a superseded document stays, marked, as history, and so does
a withdrawn one (its file removed from the landing folder).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

SCHEMA = """
create table if not exists documents (
    document_sha256 text primary key,
    source_path text not null,
    status text not null check (status in ('current', 'superseded', 'quarantined')),
    doc_type text,
    department_key text,
    fiscal_year integer,
    parser_version text not null,
    superseded_by text,
    error_type text,
    error_message text,
    first_seen_at text not null,
    parsed_at text not null,
    subject text
);
-- A document whose file left the landing folder: withdrawn from the marts, kept as history. Its
-- own table, so a ledger made before it needs no migration; dropped in again, it lands again.
create table if not exists withdrawals (
    document_sha256 text primary key,
    withdrawn_at text not null
);
create table if not exists names (
    source_path text not null,
    document_sha256 text not null,
    first_seen_at text not null,
    primary key (source_path, document_sha256)
);
-- What each file in the landing folder hashed to, and how the file looked then (FileStamp): a file
-- that still looks the same is not read again to be hashed.
create table if not exists file_hashes (
    source_path text primary key,
    size integer not null,
    mtime_ns integer not null,
    ctime_ns integer not null,
    inode integer not null,
    document_sha256 text not null
);
"""

# A file changed within this many seconds before it was hashed may change again within the same
# tick of the file system's clock, its stamp unchanged: its hash is not remembered.
SETTLED_SECONDS = 2.0


class FileStamp(NamedTuple):
    """How a file looks to `stat`: bytes written to it change its size or its modification and
    change times (the change time no program can set back), and a file put in its place its inode."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)

    def settled(self, now_ns: int) -> bool:
        """Unchanged for long enough that a later change must show in the stamp."""
        return now_ns - max(self.mtime_ns, self.ctime_ns) >= SETTLED_SECONDS * 1e9


class Quarantined(NamedTuple):
    """A quarantined document, as `raw.quarantine` holds it."""

    source_path: str
    document_sha256: str
    error_type: str
    message: str


@dataclass(frozen=True)
class LedgerEntry:
    document_sha256: str
    source_path: str
    status: str
    doc_type: str | None
    department_key: str | None
    fiscal_year: int | None
    parser_version: str
    superseded_by: str | None
    first_seen_at: str
    parsed_at: str
    subject: str | None = None  # the project of a project-scoped document (DocumentHeader.subject)

    @property
    def version_key(self) -> str:
        """What the versions of one document share: type, department and year, and the project
        for a document about one project (a 项目支出绩效自评表: one per project and year)."""
        key = f"{self.doc_type}|{self.department_key}|{self.fiscal_year}"
        return f"{key}|{self.subject}" if self.subject else key


def versions_after(entries: Mapping[str, LedgerEntry]) -> dict[str, int | None]:
    """How many versions of each entry's document landed after it, following the superseded_by links
    among `entries`: 0 for a version nothing superseded; None where its links leave `entries` or run
    in a circle. Computed here once per build rather than by a recursive query in the warehouse:
    there it walked the whole chain again for every model reading the serving documents, as many
    rounds as the longest chain has versions (docs/performance.md)."""
    counted: dict[str, int | None] = {}
    for first in entries:
        path: list[str] = []
        sha: str | None = first
        while sha is not None and sha in entries and sha not in counted and sha not in path:
            path.append(sha)
            sha = entries[sha].superseded_by
        # The walk ended past the newest version (-1 after it), at a version counted before, or at
        # a link leaving the entries or closing a circle (no count).
        after = -1 if sha is None else counted.get(sha)
        for version in reversed(path):
            after = None if after is None else after + 1
            counted[version] = after
    return counted


def _add_subject(connection: sqlite3.Connection) -> None:
    """A ledger made before documents had a subject gains the column (null: the whole department)."""
    columns = {row[1] for row in connection.execute("pragma table_info(documents)")}
    if "subject" not in columns:
        connection.execute("alter table documents add column subject text")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Ledger:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._shared: sqlite3.Connection | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Every record made inside the block in one transaction: one commit (one fsync) for a whole
        landing instead of one per document, and all of them or none if the process dies."""
        with self._connect() as connection:
            self._shared = connection
            try:
                yield
            finally:
                self._shared = None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if self._shared is not None:
            yield self._shared
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            connection.executescript(SCHEMA)
            _add_subject(connection)
            with connection:  # one transaction: committed on success, rolled back on error
                yield connection
        finally:
            connection.close()

    def entries(self) -> dict[str, LedgerEntry]:
        with self._connect() as connection:
            rows = connection.execute(
                "select documents.document_sha256, source_path,"
                " case when withdrawals.document_sha256 is null then status else 'withdrawn' end,"
                " doc_type, department_key, fiscal_year, parser_version, superseded_by, first_seen_at,"
                " parsed_at, subject from documents left join withdrawals using (document_sha256)"
            ).fetchall()
        return {row[0]: LedgerEntry(*row) for row in rows}

    def file_hashes(self) -> dict[str, tuple[FileStamp, str]]:
        """The sha256 remembered for each landing file, with the stamp it had when hashed."""
        with self._connect() as connection:
            rows = connection.execute(
                "select source_path, size, mtime_ns, ctime_ns, inode, document_sha256 from file_hashes"
            ).fetchall()
        return {path: (FileStamp(*stamp), sha) for path, *stamp, sha in rows}

    def remember_file_hashes(
        self, hashes: dict[str, tuple[FileStamp, str]], *, forget: Collection[str]
    ) -> None:
        """Remember these files' hashes (replacing what was remembered of them), and forget those of
        the files in `forget` (gone from the landing folder, or changing as it was read)."""
        with self._connect() as connection:
            connection.executemany(
                "delete from file_hashes where source_path = ?", [(path,) for path in forget]
            )
            connection.executemany(
                "insert or replace into file_hashes values (?, ?, ?, ?, ?, ?)",
                [(path, *stamp, sha) for path, (stamp, sha) in hashes.items()],
            )

    def withdraw(self, sha256s: list[str]) -> None:
        """These documents' files are gone from the landing folder: out of the marts, kept here."""
        with self._connect() as connection:
            connection.executemany(
                "insert or ignore into withdrawals values (?, ?)", [(sha, _now()) for sha in sha256s]
            )

    def note_name(self, sha256: str, source_path: str) -> None:
        """The same bytes seen under a (possibly new) name: recorded, never parsed again."""
        with self._connect() as connection:
            connection.execute("insert or ignore into names values (?, ?, ?)", [source_path, sha256, _now()])

    def record_parsed(
        self,
        *,
        sha256: str,
        source_path: str,
        doc_type: str,
        department_key: str,
        fiscal_year: int,
        parser_version: str,
        subject: str | None = None,
    ) -> list[str]:
        """Record a parsed document as current; return the shas it supersedes (same department,
        year, type and subject, other bytes), which stay in the ledger marked superseded."""
        now = _now()
        with self._connect() as connection:
            older = [
                row[0]
                for row in connection.execute(
                    "select document_sha256 from documents where status = 'current'"
                    " and doc_type = ? and department_key = ? and fiscal_year = ?"
                    " and coalesce(subject, '') = ? and document_sha256 <> ?",
                    [doc_type, department_key, fiscal_year, subject or "", sha256],
                ).fetchall()
            ]
            connection.executemany(
                "update documents set status = 'superseded', superseded_by = ? where document_sha256 = ?",
                [(sha256, sha) for sha in older],
            )
            connection.execute(
                """
                insert into documents (document_sha256, source_path, status, doc_type, department_key,
                    fiscal_year, parser_version, first_seen_at, parsed_at, subject)
                values (?, ?, 'current', ?, ?, ?, ?, ?, ?, ?)
                on conflict (document_sha256) do update set
                    source_path = excluded.source_path, status = 'current', doc_type = excluded.doc_type,
                    department_key = excluded.department_key, fiscal_year = excluded.fiscal_year,
                    subject = excluded.subject, parser_version = excluded.parser_version,
                    superseded_by = null, error_type = null, error_message = null,
                    parsed_at = excluded.parsed_at
                """,
                [
                    sha256,
                    source_path,
                    doc_type,
                    department_key,
                    fiscal_year,
                    parser_version,
                    now,
                    now,
                    subject,
                ],
            )
            connection.execute("insert or ignore into names values (?, ?, ?)", [source_path, sha256, now])
            connection.execute("delete from withdrawals where document_sha256 = ?", [sha256])
        return older

    def record_quarantined(
        self, *, sha256: str, source_path: str, error_type: str, message: str, parser_version: str
    ) -> None:
        now = _now()
        with self._connect() as connection:
            connection.execute(
                """
                insert into documents (document_sha256, source_path, status, parser_version, error_type,
                    error_message, first_seen_at, parsed_at)
                values (?, ?, 'quarantined', ?, ?, ?, ?, ?)
                on conflict (document_sha256) do update set
                    status = 'quarantined', error_type = excluded.error_type,
                    error_message = excluded.error_message, parser_version = excluded.parser_version,
                    parsed_at = excluded.parsed_at
                """,
                [sha256, source_path, parser_version, error_type, message, now, now],
            )
            connection.execute("insert or ignore into names values (?, ?, ?)", [source_path, sha256, now])
            connection.execute("delete from withdrawals where document_sha256 = ?", [sha256])

    def quarantined(self) -> list[Quarantined]:
        """Every quarantined document, by its name."""
        with self._connect() as connection:
            rows = connection.execute(
                "select source_path, document_sha256, error_type, error_message from documents"
                " where status = 'quarantined' and document_sha256 not in"
                " (select document_sha256 from withdrawals) order by source_path"
            ).fetchall()
        return [Quarantined(*row) for row in rows]

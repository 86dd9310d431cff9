"""The nightly landing: find documents, parse the new ones in parallel, load the raw schema.

discover()     hash every file under the landing folder and sort it against the ledger:
               new (to parse), unchanged (same bytes and parser, never parsed twice), renamed.
parse_batch()  parse a batch in a process pool with a timeout per document; each worker writes
               Parquet to the raw zone, never the warehouse.
load()         the single writer: record outcomes in the ledger (supersession included) and build
               the raw schema of a fresh warehouse file from the zone (`jixiao.stages.build`), unless
               the build's inputs (`fingerprint`) equal those of the served publication: then there
               is nothing to rebuild, and the transform that follows checks and publishes nothing.

Progress (`jixiao.runtime.progress`): discover() starts the count of documents to parse; each
document that ends (parsed, quarantined or timed out) is noted, on whichever worker it runs.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import logging
import os
import sys
import time
from collections.abc import Collection, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from pebble import ProcessPool

from ingest.departments import DepartmentDirectory
from ingest.document import PARSER_VERSION, sha256_of
from ingest.errors import DocumentError, NeedsOcr, ParserFailure
from ingest.zone import ZoneWriteError, is_complete, write_zone
from jixiao.runtime.dbt_project import project_hash
from jixiao.runtime.ledger import FileStamp, Ledger
from jixiao.runtime.limits import died, parse_within_memory, scan_time_limit, timed_out
from jixiao.runtime.progress import note_parsed, start_progress
from jixiao.runtime.settings import Settings
from jixiao.runtime.warehouse import TABLES
from jixiao.runtime.workers import (
    WAREHOUSE_WORKER,
    expect_transform,
    may_have_children,
    prepare_transform,
    run_warm,
)

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Discovery:
    new: list[tuple[str, str]] = field(default_factory=list)  # (source_path, sha256) to parse
    unchanged: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # known bytes under a new name
    withdrawn: list[str] = field(default_factory=list)  # landed or quarantined, now gone from the folder

    def batches(self, size: int) -> list[list[tuple[str, str]]]:
        return in_batches(self.new, size)


def in_batches(items: list[T], size: int) -> list[list[T]]:
    """`items` in consecutive groups of `size` (the last may be shorter)."""
    size = max(1, size)
    return [items[start : start + size] for start in range(0, len(items), size)]


@dataclass
class Outcome:
    source_path: str
    sha256: str
    status: str  # parsed | quarantined
    doc_type: str | None = None
    department_key: str | None = None
    fiscal_year: int | None = None
    error_type: str | None = None
    message: str | None = None
    subject: str | None = None  # DocumentHeader.subject: part of the version key


@dataclass
class LandingSummary:
    new: list[str] = field(default_factory=list)
    # How many files were landed before, bytes and name (or, `renamed`, bytes alone): a count, as the
    # summary is an XCom and a night's note, and at 10,000 documents the list was half a megabyte.
    unchanged: int = 0
    renamed: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    unknown_departments: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    inputs: str = ""  # the fingerprint of what the raw schema is made of (`fingerprint`)
    # False when the inputs equal those of the served publication: no build was made.
    rebuilt: bool = True
    # How the build was made (`jixiao.stages.build`): full, or incremental from the served file.
    build_mode: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def landing_files(landing_dir: Path) -> list[tuple[str, os.stat_result]]:
    """Every PDF under the landing folder (`<landing>/<year>/<file>.pdf`) as its path relative to
    the folder and its `stat`, in a stable order. Walked with `os.scandir` rather than pathlib, whose
    objects, one per file, were most of what `discover` cost on a large folder."""
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"landing folder {landing_dir} does not exist (JIXIAO_LANDING_DIR)")
    found: list[tuple[str, os.stat_result]] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                # As pathlib's rglob: into folders but not through a link to one; a linked file counts.
                if entry.is_dir() and not entry.is_symlink():
                    walk(entry.path, f"{prefix}{entry.name}/")
                elif entry.name.lower().endswith(".pdf") and entry.is_file():
                    found.append((prefix + entry.name, entry.stat()))

    walk(str(landing_dir), "")
    return sorted(found, key=lambda file: file[0].split("/"))


def _in_scope(source_path: str, year: int | None, department: str | None) -> bool:
    parts = source_path.split("/")
    if year is not None and str(year) not in parts[:-1]:
        return False
    return department is None or department in source_path


def discover(settings: Settings, *, year: int | None = None, department: str | None = None) -> Discovery:
    """Sort the landing folder against the ledger; `year`/`department` narrow a manual run."""
    ledger = Ledger(settings.state.ledger_path)
    known = ledger.entries()
    remembered = ledger.file_hashes()
    hashed: dict[str, tuple[FileStamp, str]] = {}
    started_ns = time.time_ns()
    found = Discovery()
    present: set[str] = set()  # the bytes in the folder, and their names
    present_paths: set[str] = set()
    whole_folder = year is None and department is None  # a scoped run sees only part of the folder
    with ledger.transaction():
        for source_path, stat in landing_files(settings.landing_dir):
            if not _in_scope(source_path, year, department):
                continue
            stamp = FileStamp.of(stat)
            earlier = remembered.get(source_path)
            # A file that looks as it did when hashed holds the same bytes: at 10,000 documents,
            # reading every file again cost a night with nothing new seconds.
            if earlier is not None and earlier[0] == stamp:
                sha = earlier[1]
            else:
                sha = sha256_of(settings.landing_dir / source_path)
            if stamp.settled(started_ns):
                hashed[source_path] = (stamp, sha)
            entry = known.get(sha)
            # Quarantined bytes are tried again each night: a timeout may have been the machine's
            # fault, and failing again costs little.
            present.add(sha)
            present_paths.add(source_path)
            # Quarantined and withdrawn bytes present again are tried again.
            retried = entry is not None and entry.status in ("quarantined", "withdrawn")
            if entry is None or entry.parser_version != PARSER_VERSION or retried:
                found.new.append((source_path, sha))
            elif entry.status == "current" and not is_complete(settings.state.raw_zone, sha):
                # Landed once, but its records are gone from the zone (a restored backup, a
                # deleted folder): parse it again rather than build without it.
                log.warning("%s: its raw zone folder is missing or incomplete; parsed again", source_path)
                found.new.append((source_path, sha))
            elif entry.source_path != source_path:
                ledger.note_name(sha, source_path)
                found.renamed.append(source_path)
            else:
                found.unchanged.append(source_path)
        # Only what changed is written: every file's row written again each night cost time that
        # grew with the landing folder.
        ledger.remember_file_hashes(
            {
                source_path: seen
                for source_path, seen in hashed.items()
                if remembered.get(source_path) != seen
            },
            forget=[source_path for source_path in remembered if source_path not in hashed]
            if whole_folder
            else [],
        )
        if whole_folder:
            # Files gone from the landing folder (neither their bytes under any name nor another
            # file under their name: that one supersedes them, or, unreadable, leaves them serving):
            # withdrawn from the marts, kept in the ledger and the raw schema as history. A scoped
            # run sees only part of the folder.
            gone = [
                entry
                for sha, entry in known.items()
                if entry.status in ("current", "quarantined")
                and sha not in present
                and entry.source_path not in present_paths
            ]
            if gone:
                ledger.withdraw([entry.document_sha256 for entry in gone])
                found.withdrawn = sorted(entry.source_path for entry in gone)
                log.warning("withdrawn (no longer in the landing folder): %s", ", ".join(found.withdrawn))
    start_progress(settings, len(found.new))
    if found.new:
        expect_transform()
    return found


def parse_one(
    landing_dir: str, source_path: str, sha: str, zone: str, seed: str, memory_mb: int, ocr: bool
) -> Outcome:
    """Parse one document and write it to the raw zone (runs in a worker process).

    `sha` is the hash discover() took; a parsed document records the one its parser took. Without
    `ocr`, a scanned document raises NeedsOcr, to be scheduled again with a scan's time limit.
    """
    path = Path(landing_dir) / source_path
    try:
        document = parse_within_memory(
            path, seed=Path(seed), megabytes=memory_mb, ocr=ocr, source_path=source_path
        )
    except NeedsOcr:
        raise
    except DocumentError as error:  # TooLarge past JIXIAO_PARSE_MEMORY_MB among them
        return Outcome(source_path, sha, "quarantined", error_type=error.kind, message=str(error))
    except Exception as exc:  # one bad file must not stop the night
        log.exception("parser failure on %s", path)
        failure = ParserFailure.unexpected(path, exc)
        return Outcome(source_path, sha, "quarantined", error_type=failure.kind, message=str(failure))
    write_zone(Path(zone), document)
    header = document.header
    department_key = header.department_code or f"unknown:{header.department}"
    return Outcome(
        source_path,
        header.sha256,
        "parsed",
        header.doc_type.value,
        department_key,
        header.year,
        subject=header.subject,
    )


class _WithoutPandas(importlib.abc.MetaPathFinder):
    """Refuses to import pandas (see `_start_parse_worker`)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("a parse worker does without pandas", name=fullname)


def _start_parse_worker() -> None:
    """pyarrow imports pandas, when it is installed, the first time it converts Python values: about
    1.6 s in each parse worker of each batch, most of a night's parse of one document. The raw zone
    converts no pandas object, so a parse worker finds no pandas and pyarrow goes on without it.
    (A parent that has pandas already hands it down to its forks at no cost.)"""
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())


def _note_finished(settings: Settings, source_path: str, future: Future[Outcome]) -> None:
    if future.cancelled() or not isinstance(future.exception(), NeedsOcr):  # NeedsOcr: parsed again
        note_parsed(settings, source_path)


def parse_batch(settings: Settings, batch: list[tuple[str, str]]) -> list[Outcome]:
    """Parse a batch in a process pool; a document that runs past its time limit is quarantined.

    Each document is first parsed without OCR; a scan (NeedsOcr) is parsed again, with OCR and the
    time its pages need (`jixiao.runtime.limits.scan_time_limit`), once the printed documents are done."""
    outcomes: list[Outcome] = []
    args = (str(settings.landing_dir), str(settings.state.raw_zone), str(settings.departments_seed))
    memory_mb = settings.parse_memory_mb
    with (
        may_have_children(),
        ProcessPool(max_workers=max(1, settings.parse_workers), initializer=_start_parse_worker) as pool,
    ):

        def schedule(source_path: str, sha: str, ocr: bool, seconds: float) -> Future[Outcome]:
            future: Future[Outcome] = pool.schedule(
                parse_one, args=(args[0], source_path, sha, args[1], args[2], memory_mb, ocr), timeout=seconds
            )
            future.add_done_callback(partial(_note_finished, settings, source_path))
            return future

        printed = [
            (source_path, sha, schedule(source_path, sha, False, settings.parse_timeout_seconds))
            for source_path, sha in batch
        ]
        scans: list[tuple[str, str, Future[Outcome], float, int]] = []
        for source_path, sha, future in printed:
            try:
                outcomes.append(_outcome(settings, source_path, sha, future, settings.parse_timeout_seconds))
            except NeedsOcr as scan:
                seconds = scan_time_limit(
                    settings.parse_timeout_seconds, settings.ocr_page_seconds, scan.pages
                )
                rescheduled = schedule(source_path, sha, True, seconds)
                scans.append((source_path, sha, rescheduled, seconds, scan.pages))
        for source_path, sha, future, seconds, pages in scans:
            outcomes.append(_outcome(settings, source_path, sha, future, seconds, pages))
    for outcome in outcomes:
        if outcome.status == "quarantined":
            log.warning("quarantined %s", outcome.message)
    return outcomes


def _outcome(
    settings: Settings,
    source_path: str,
    sha: str,
    future: Future[Outcome],
    seconds: float,
    scanned_pages: int | None = None,
) -> Outcome:
    """What one parse (given `seconds`) ended in; NeedsOcr from a parse without OCR is the caller's
    to schedule again."""
    path = settings.landing_dir / source_path
    try:
        return future.result()
    except (ZoneWriteError, NeedsOcr):
        raise  # ZoneWriteError is the machine's fault, not the document's: the task fails and retries
    except FutureTimeout:
        error: DocumentError = timed_out(path, seconds, scanned_pages)
    except Exception as exc:  # the worker died (past its memory limit, killed)
        error = died(path, exc, settings.parse_memory_mb)
    return Outcome(source_path, sha, "quarantined", error_type=error.kind, message=str(error))


def code_fingerprint(settings: Settings) -> str:
    """sha256 over what a document's own rows depend on besides its records: the parser version,
    every file of the dbt project (its seeds among them), the reconciliation suites
    (`expectations/`), the layout of the tables jixiao writes into a build, and the calendar year
    (a year check compares with the current one). A build whose code fingerprint equals the served
    warehouse's can start from it (`jixiao.stages.build`)."""
    digest = hashlib.sha256()
    digest.update(f"parser\x1f{PARSER_VERSION}\x1e".encode())
    for table in TABLES:
        digest.update(f"table\x1f{table.ddl()}\x1e".encode())
    digest.update(f"dbt project\x1f{project_hash(settings.dbt_project_dir)}\x1e".encode())
    for path in sorted((settings.project_root / "expectations").glob("*.py")):
        digest.update(f"suite\x1f{path.name}\x1f{hashlib.sha256(path.read_bytes()).hexdigest()}\x1e".encode())
    digest.update(f"year\x1f{date.today().year}\x1e".encode())
    return digest.hexdigest()


def fingerprint(settings: Settings, ledger: Ledger, code: str | None = None) -> str:
    """sha256 over the inputs of a build made now from the ledger and the zone: every ledger entry
    that reaches the raw schema (each landed version with its name and status, each quarantined file
    with its reason) and the code (`code_fingerprint`). Anything else that changes the marts goes
    through one of these."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(("\x1f".join("" if part is None else str(part) for part in parts) + "\x1e").encode())

    add("code", code or code_fingerprint(settings))
    for sha, entry in sorted(ledger.entries().items()):
        add("ledger", sha, entry.source_path, entry.status, entry.superseded_by, entry.version_key)
    for row in ledger.quarantined():
        add("quarantine", *row)
    return digest.hexdigest()


def load(
    settings: Settings,
    outcomes: list[Outcome],
    *,
    unchanged: int = 0,
    renamed: Collection[str] = (),
    full_rebuild: bool = False,
) -> LandingSummary:
    """Record the outcomes in the ledger and build the raw schema of the next warehouse build: from
    the served warehouse when it was made with the same code, in full otherwise or when
    `full_rebuild` asks for it (`jixiao.stages.build`). `unchanged` and `renamed` are what discover
    found besides the new files (`Discovery`), for the summary."""
    ledger = Ledger(settings.state.ledger_path)
    summary = LandingSummary(unchanged=unchanged + len(renamed), renamed=list(renamed))
    with ledger.transaction():
        _record_outcomes(settings, ledger, outcomes, summary)
    code = code_fingerprint(settings)
    summary.inputs = fingerprint(settings, ledger, code)
    if not full_rebuild and settings.state.unchanged_since_publication(summary.inputs):
        # A build left from a landing no transform claimed is older than this night: drop it, so
        # that the transform sees there is nothing new.
        settings.state.build_warehouse.unlink(missing_ok=True)
        summary.rebuilt = False
        log.info("nothing changed since the served publication: no new build")
        return summary
    prepare_transform()
    fresh = {outcome.sha256 for outcome in outcomes if outcome.status == "parsed"}
    summary.rows = run_warm(WAREHOUSE_WORKER, _build_raw, settings, summary.inputs, code, fresh, full_rebuild)
    summary.build_mode = "incremental" if summary.rows.pop("incremental", 0) else "full"
    return summary


def _build_raw(
    settings: Settings, inputs: str, code: str, fresh: set[str], full_rebuild: bool
) -> dict[str, int]:
    """The raw schema of the new build, in the warehouse worker (`jixiao.runtime.workers`), not the
    night process."""
    # Imported here, in the worker: pyarrow's dataset reader alone would add 67 MiB to the night.
    from jixiao.stages.build import build_raw

    return build_raw(
        settings.state.build_warehouse,
        settings.state.raw_zone,
        Ledger(settings.state.ledger_path),
        settings.state.reconciliation_dir,
        inputs=inputs,
        code=code,
        previous=settings.warehouse,
        fresh=fresh,
        full=full_rebuild,
        departments=DepartmentDirectory.from_seed(settings.departments_seed),
    )


def _record_outcomes(
    settings: Settings, ledger: Ledger, outcomes: list[Outcome], summary: LandingSummary
) -> None:
    for outcome in outcomes:
        if outcome.status == "parsed":
            assert outcome.doc_type and outcome.department_key and outcome.fiscal_year
            summary.superseded += ledger.record_parsed(
                sha256=outcome.sha256,
                source_path=outcome.source_path,
                doc_type=outcome.doc_type,
                department_key=outcome.department_key,
                fiscal_year=outcome.fiscal_year,
                parser_version=PARSER_VERSION,
                subject=outcome.subject,
            )
            summary.new.append(outcome.source_path)
            if outcome.department_key.startswith("unknown:"):
                name = outcome.department_key.removeprefix("unknown:")
                log.warning(
                    "%s: department %r matches no row of %s; landed as unknown department "
                    "(add a seed row or an alias)",
                    settings.landing_dir / outcome.source_path,
                    name,
                    settings.departments_seed.name,
                )
                summary.unknown_departments[outcome.source_path] = name
        else:
            ledger.record_quarantined(
                sha256=outcome.sha256,
                source_path=outcome.source_path,
                error_type=outcome.error_type or "ParserFailure",
                message=outcome.message or "",
                parser_version=PARSER_VERSION,
            )
            summary.quarantined[outcome.source_path] = outcome.message or ""


def land_all(
    settings: Settings,
    *,
    year: int | None = None,
    department: str | None = None,
    full_rebuild: bool = False,
) -> LandingSummary:
    """The whole landing in one process: discover, parse every batch, load."""
    discovery = discover(settings, year=year, department=department)
    outcomes = [
        outcome
        for batch in discovery.batches(settings.batch_size)
        for outcome in parse_batch(settings, batch)
    ]
    return load(
        settings,
        outcomes,
        unchanged=len(discovery.unchanged),
        renamed=discovery.renamed,
        full_rebuild=full_rebuild,
    )

"""The landing pipeline on real files: ledger, raw zone, warehouse build. Incremental, idempotent,
quarantining, never losing or duplicating what was landed."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import shutil
import sqlite3
import time
from pathlib import Path

import duckdb
import pypdf
import pytest

from ingest.zone import ZoneWriteError, is_complete
from jixiao.runtime.ledger import SCHEMA as LEDGER_SCHEMA
from jixiao.runtime.ledger import SETTLED_SECONDS, Ledger, LedgerEntry, versions_after
from jixiao.runtime.settings import Settings
from jixiao.stages.land import discover, land_all, landing_files, parse_batch
from tests.hostile import slow_form
from tests.scans import make_scan

SAMPLE_PATHS = [
    "2022/huangpu_2022_self_evaluation.pdf",
    "2023/guangzhou_2023_dept_target_form.pdf",
    "2023/guangzhou_2023_project_target_table.pdf",
    "2023/huangpu_2023_dept_target_form.pdf",
]


def snapshot(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select * exclude (parsed_at) from raw.{table} order by all"
                if table == "documents"
                else f"select * from raw.{table} order by all"
            ).fetchall()
            for table in ("documents", "budget_lines", "projects", "facts", "target_parts", "quarantine")
        }


def test_lands_every_sample_with_exact_amounts(settings: Settings) -> None:
    summary = land_all(settings)
    assert len(summary.new) == 4 and summary.quarantined == {}
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        amount = connection.execute(
            """
            select b.amount_wan_yuan from raw.budget_lines b join raw.documents d using (document_sha256)
            where d.department_code = 'huangpu_sti' and d.year = 2023 and b.label = '财政拨款'
            """
        ).fetchone()
    assert amount is not None and str(amount[0]) == "364607.2000"
    assert (summary.rows["budget_lines"], summary.rows["projects"], summary.rows["facts"]) == (18, 26, 48)


def test_unchanged_documents_are_never_parsed_twice(settings: Settings) -> None:
    land_all(settings)
    first = snapshot(settings.state.build_warehouse)
    zone_times = {p: p.stat().st_mtime_ns for p in settings.state.raw_zone.rglob("*.parquet")}
    again = land_all(settings)
    assert again.new == [] and again.unchanged == 4
    assert snapshot(settings.state.build_warehouse) == first
    assert {p: p.stat().st_mtime_ns for p in settings.state.raw_zone.rglob("*.parquet")} == zone_times


def test_a_settled_file_is_known_by_its_remembered_hash(settings: Settings) -> None:
    """A file that looks as it did when it was hashed is not read again: what discover reports is
    the hash it remembered (changed here in the ledger by hand, to show that it was not recomputed)."""
    fresh = discover(settings)
    assert Ledger(settings.state.ledger_path).file_hashes() == {}  # just copied: not settled yet
    time.sleep(SETTLED_SECONDS)
    assert discover(settings).new == fresh.new
    ledger = Ledger(settings.state.ledger_path)
    remembered = ledger.file_hashes()
    assert set(remembered) == set(SAMPLE_PATHS)
    form = "2023/huangpu_2023_dept_target_form.pdf"
    ledger.remember_file_hashes({form: (remembered[form][0], "0" * 64)}, forget=[])
    assert (form, "0" * 64) in discover(settings).new


def test_a_file_gone_from_the_folder_is_forgotten_and_the_others_remembered(settings: Settings) -> None:
    time.sleep(SETTLED_SECONDS)
    discover(settings)
    ledger = Ledger(settings.state.ledger_path)
    before = ledger.file_hashes()
    gone = "2023/huangpu_2023_dept_target_form.pdf"
    (settings.landing_dir / gone).unlink()
    discover(settings)
    after = ledger.file_hashes()
    assert gone in before and after == {path: seen for path, seen in before.items() if path != gone}


def test_the_landing_folder_is_walked_as_pathlib_would(tmp_path: Path) -> None:
    """PDFs at any depth whatever the case of their suffix, in the order of their path's parts; no
    other file; not through a link to a folder, but a link to a file counts."""
    for name in ("2023/b.pdf", "2023/A.PDF", "2023-extra/c.pdf", "2023/notes.txt", "d.pdf", "2023/x/e.Pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF-1.4")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "f.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)
    (tmp_path / "2023" / "g.pdf").symlink_to(outside / "f.pdf")
    expected = sorted(
        path for path in tmp_path.rglob("*") if path.is_file() and path.suffix.lower() == ".pdf"
    )
    found = landing_files(tmp_path)
    assert [name for name, _ in found] == [path.relative_to(tmp_path).as_posix() for path in expected]
    assert [stat.st_ino for _, stat in found] == [path.stat().st_ino for path in expected]
    assert "linked/f.pdf" not in dict(found) and "2023/g.pdf" in dict(found)


def test_a_file_rewritten_in_place_is_hashed_again(settings: Settings) -> None:
    """Other bytes of the same size under the same modification time (a copy that kept the old
    file's times) still change the file's change time: the file is hashed again and lands."""
    land_all(settings)
    time.sleep(SETTLED_SECONDS)
    assert discover(settings).new == []
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    before = form.stat()
    data = form.read_bytes()
    marker = data.rindex(b"%%EOF")
    form.write_bytes(data[:marker] + b"%%EOF"[::-1] + data[marker + 5 :])  # the same size
    os.utime(form, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (form.stat().st_size, form.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    found = discover(settings)
    assert [path for path, _ in found.new] == ["2023/huangpu_2023_dept_target_form.pdf"]
    assert found.new[0][1] == hashlib.sha256(form.read_bytes()).hexdigest()


def test_same_bytes_under_a_new_name_are_recognised(settings: Settings) -> None:
    land_all(settings)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    shutil.copy2(form, form.with_name("huangpu_copy.pdf"))
    summary = land_all(settings)
    assert summary.new == [] and summary.renamed == ["2023/huangpu_copy.pdf"] and summary.unchanged == 5
    assert summary.rows["budget_lines"] == 18  # nothing doubled


def test_bad_document_is_quarantined_and_the_rest_lands(settings: Settings) -> None:
    (settings.landing_dir / "2023" / "broken.pdf").write_text("<html>503</html>", encoding="utf-8")
    summary = land_all(settings)
    assert len(summary.new) == 4
    assert list(summary.quarantined) == ["2023/broken.pdf"]
    assert "broken.pdf: not a PDF" in summary.quarantined["2023/broken.pdf"]
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        rows = connection.execute("select source_path, error_type from raw.quarantine").fetchall()
    assert rows == [("2023/broken.pdf", "NotAPdf")]


def test_corrupted_republication_keeps_what_was_landed(settings: Settings) -> None:
    land_all(settings)
    before = snapshot(settings.state.build_warehouse)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    form.write_bytes(form.read_bytes()[:2048])
    summary = land_all(settings)
    after = snapshot(settings.state.build_warehouse)
    assert list(summary.quarantined) == ["2023/huangpu_2023_dept_target_form.pdf"]
    assert {k: v for k, v in after.items() if k != "quarantine"} == {
        k: v for k, v in before.items() if k != "quarantine"
    }


def test_corrected_republication_supersedes_and_keeps_history(settings: Settings) -> None:
    land_all(settings)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    entries = Ledger(settings.state.ledger_path).entries()
    old_sha = next(sha for sha, entry in entries.items() if entry.source_path.endswith(form.name))
    pypdf.PdfWriter(clone_from=form).write(form)  # same content, new bytes: a re-publication
    summary = land_all(settings)
    assert summary.new == ["2023/huangpu_2023_dept_target_form.pdf"] and summary.superseded == [old_sha]
    entries = Ledger(settings.state.ledger_path).entries()
    assert entries[old_sha].status == "superseded"
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        statuses = connection.execute(
            "select status, count(*) from raw.documents group by 1 order by 1"
        ).fetchall()
        after = connection.execute(
            "select versions_after from raw.documents where version_key ="
            " (select version_key from raw.documents where document_sha256 = ?) order by 1",
            [old_sha],
        ).fetchall()
        lines = connection.execute(
            "select count(distinct document_sha256), count(*) from raw.budget_lines"
        ).fetchone()
    assert statuses == [("current", 4), ("superseded", 1)]
    assert after == [(0,), (1,)]  # the new version, then the one it superseded
    # Both versions' records land (8 + 8 form lines, and the project table's 2): the marts pick the
    # version that serves, which is the superseded one if the new one fails reconciliation.
    assert lines == (4, 26)


def test_a_hanging_document_is_quarantined_by_the_timeout(settings: Settings) -> None:
    slow_form(settings.landing_dir / "2023" / "slow_form.pdf")
    hurried = dataclasses.replace(settings, parse_timeout_seconds=3)  # each sample takes under 0.5 s
    summary = land_all(hurried)
    assert sorted(summary.new) == SAMPLE_PATHS
    assert list(summary.quarantined) == ["2023/slow_form.pdf"]
    assert "parsing took longer than 3 s" in summary.quarantined["2023/slow_form.pdf"]
    # A timeout may have been the machine's, not the document's: the next night tries it again.
    retried = land_all(hurried)
    assert retried.new == [] and list(retried.quarantined) == ["2023/slow_form.pdf"]


@pytest.mark.scans
def test_a_scan_is_parsed_again_with_its_pages_time_and_the_rest_lands(settings: Settings) -> None:
    """A scanned document meets its first scanned page without OCR, and is scheduled again with OCR
    and JIXIAO_OCR_PAGE_SECONDS a page; past that it is quarantined like any parse too long."""
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    make_scan(form, settings.landing_dir / "2023" / "huangpu_2023_scanned_form.pdf", dpi=300, seed=1)
    summary = land_all(dataclasses.replace(settings, parse_timeout_seconds=5, ocr_page_seconds=0.01))
    assert sorted(summary.new) == SAMPLE_PATHS
    assert list(summary.quarantined) == ["2023/huangpu_2023_scanned_form.pdf"]
    (message,) = summary.quarantined.values()
    assert "parsing took longer than 5.03 s" in message
    assert (
        "(a scan: JIXIAO_PARSE_TIMEOUT_SECONDS and JIXIAO_OCR_PAGE_SECONDS for each of its 3 pages)"
        in message
    )


@pytest.mark.scans
def test_a_scan_lands_beside_print_marked_as_read_by_ocr(settings: Settings) -> None:
    """A stamped scan of a form lands in the same night as the printed samples, its amounts those of
    the printed form, and raw.documents tells BI users which document was read by OCR."""
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    scan = "2023/huangpu_2023_scanned_form.pdf"
    make_scan(form, settings.landing_dir / scan, dpi=300, rotation_degrees=1.2, seed=300)
    summary = land_all(settings)
    assert sorted(summary.new) == sorted([*SAMPLE_PATHS, scan]) and summary.quarantined == {}
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        marked = dict(connection.execute("select source_path, ocr from raw.documents").fetchall())
        amounts = {
            path: connection.execute(
                "select list(amount_wan_yuan order by line_number) from raw.budget_lines "
                "join raw.documents using (document_sha256) where source_path = ?",
                [path],
            ).fetchone()
            for path in (scan, "2023/huangpu_2023_dept_target_form.pdf")
        }
    assert marked == {**dict.fromkeys(SAMPLE_PATHS, False), scan: True}
    assert amounts[scan] == amounts["2023/huangpu_2023_dept_target_form.pdf"]


def test_a_manual_run_can_be_limited_to_one_year(settings: Settings) -> None:
    summary = land_all(settings, year=2022)
    assert summary.new == ["2022/huangpu_2022_self_evaluation.pdf"]


def _parse_in_daemon(settings: Settings, results: multiprocessing.Queue[str]) -> None:
    outcomes = parse_batch(settings, [("2023/huangpu_2023_dept_target_form.pdf", "sha")])
    results.put(outcomes[0].status)


def test_batches_parse_inside_a_daemonic_worker(settings: Settings) -> None:
    """Celery's prefork workers are daemonic processes; the parse pool must still start there."""
    results: multiprocessing.Queue[str] = multiprocessing.Queue()
    worker = multiprocessing.Process(target=_parse_in_daemon, args=(settings, results), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert results.get(timeout=5) == "parsed"


def test_a_build_copies_the_served_versions_and_reads_only_new_ones_from_the_zone(settings: Settings) -> None:
    """The versions the served warehouse holds are copied from it; the raw schema is the same as one
    read wholly from the zone's files."""
    land_all(settings)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(settings.state.build_warehouse, settings.warehouse)  # as if published
    from_scratch = snapshot(settings.state.build_warehouse)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    pypdf.PdfWriter(clone_from=form).write(form)  # a re-publication: one new version

    summary = land_all(settings)

    assert summary.rows["documents"] == 5 and summary.rows["documents_from_zone"] == 1
    incremental = snapshot(settings.state.build_warehouse)
    settings.warehouse.unlink()  # nothing served: every version from the zone
    ledger = Ledger(settings.state.ledger_path)
    from jixiao.stages.build import build_raw

    counts = build_raw(
        settings.state.build_warehouse, settings.state.raw_zone, ledger, settings.state.reconciliation_dir
    )
    assert counts["documents_from_zone"] == 5
    assert snapshot(settings.state.build_warehouse) == incremental
    # The four samples' records are the ones landed the first time; the new version added its own.
    assert incremental["projects"] == from_scratch["projects"]
    assert len(incremental["budget_lines"]) == len(from_scratch["budget_lines"]) + 8


def _current_in_ledger(settings: Settings) -> set[str]:
    return {
        entry.source_path
        for entry in Ledger(settings.state.ledger_path).entries().values()
        if entry.status == "current"
    }


@pytest.mark.parametrize("failing_step", ["parquet", "header", "rename"])
def test_a_failed_zone_write_fails_the_landing_and_loses_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, failing_step: str
) -> None:
    """Each write of a document into the raw zone fails in turn (injected before the parse pool
    forks, so its workers inherit it): the landing raises, the ledger records nothing as current,
    no half-written folder is left, and the next night lands everything."""
    import pyarrow.parquet as pq

    real = {"parquet": pq.write_table, "header": Path.write_text, "rename": Path.rename}[failing_step]

    def refuse(*args: object, **kwargs: object) -> object:
        written = str(args[1] if failing_step == "parquet" else args[0])
        if f"{settings.state.raw_zone}/" in written:  # the zone's writes only, not the progress file's
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    owner = pq if failing_step == "parquet" else Path
    monkeypatch.setattr(
        owner, {"parquet": "write_table", "header": "write_text", "rename": "rename"}[failing_step], refuse
    )
    with pytest.raises(ZoneWriteError, match="No space left on device"):
        land_all(settings)
    monkeypatch.undo()

    assert _current_in_ledger(settings) == set()
    assert not [
        folder
        for folder in settings.state.raw_zone.glob("*")
        if not is_complete(settings.state.raw_zone, folder.name)
    ]
    summary = land_all(settings)
    assert len(summary.new) == 4 and summary.rows["documents"] == 4


def test_a_document_whose_zone_folder_is_lost_is_parsed_again(settings: Settings) -> None:
    first = land_all(settings)
    entry = next(
        e for e in Ledger(settings.state.ledger_path).entries().values() if e.source_path == first.new[0]
    )
    (settings.state.raw_zone / entry.document_sha256 / "budget_lines.parquet").unlink()

    again = land_all(settings)

    assert again.new == [first.new[0]] and again.rows["documents"] == 4
    assert is_complete(settings.state.raw_zone, entry.document_sha256)


def test_a_build_refuses_a_landed_version_missing_from_the_zone(settings: Settings) -> None:
    from jixiao.stages.build import ZoneIncomplete, build_raw

    land_all(settings)
    ledger = Ledger(settings.state.ledger_path)
    lost = next(iter(ledger.entries().values()))
    shutil.rmtree(settings.state.raw_zone / lost.document_sha256)
    with pytest.raises(ZoneIncomplete, match=lost.source_path):
        build_raw(
            settings.state.build_warehouse, settings.state.raw_zone, ledger, settings.state.reconciliation_dir
        )


@pytest.mark.rebuilds
def test_a_file_removed_from_the_landing_folder_is_withdrawn_and_kept_as_history(
    settings: Settings, tmp_path: Path
) -> None:
    """Withdrawn from the marts (no version of it serves), kept in the ledger and in raw.documents;
    dropped in again, it serves again. A removed quarantined file leaves the quarantine."""
    from tests.conftest import BEFORE_DOCUMENT_CHECKS, build_selected

    bad = settings.landing_dir / "2023" / "not_a_pdf.pdf"
    bad.write_bytes(b"<html>404</html>")
    land_all(settings)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    kept = tmp_path / "kept.pdf"
    shutil.move(form, kept)
    bad.unlink()

    summary = land_all(settings)

    statuses = {e.source_path: e.status for e in Ledger(settings.state.ledger_path).entries().values()}
    assert statuses["2023/huangpu_2023_dept_target_form.pdf"] == "withdrawn"
    assert statuses["2023/not_a_pdf.pdf"] == "withdrawn" and summary.quarantined == {}
    assert Ledger(settings.state.ledger_path).quarantined() == []
    selection = [BEFORE_DOCUMENT_CHECKS, "+int_documents_with_department"]
    build_selected(
        settings.state.build_warehouse,
        tmp_path / "dbt",
        "--select",
        *selection,
        "--exclude",
        "resource_type:test",
    )
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        history = connection.execute(
            "select status from raw.documents where source_path = '2023/huangpu_2023_dept_target_form.pdf'"
        ).fetchall()
        serving = connection.execute(
            "select source_path from intermediate.int_documents_with_department"
        ).fetchall()
        quarantine = connection.execute("select count(*) from raw.quarantine").fetchone()
    assert history == [("withdrawn",)] and quarantine == (0,)
    assert "2023/huangpu_2023_dept_target_form.pdf" not in {path for (path,) in serving} and len(serving) == 3

    shutil.move(kept, form)
    again = land_all(settings)
    assert again.new == ["2023/huangpu_2023_dept_target_form.pdf"] and again.rows["documents"] == 4
    current = {
        e.source_path for e in Ledger(settings.state.ledger_path).entries().values() if e.status == "current"
    }
    assert "2023/huangpu_2023_dept_target_form.pdf" in current


TABLES = Path(__file__).resolve().parents[2] / "fixtures" / "family" / "self_evaluation_tables"


def test_each_project_table_is_a_document_of_its_own(settings: Settings) -> None:
    """A department publishes one 项目支出绩效自评表 per project and year: the project is part of
    what its versions share, so two projects never supersede each other; a project's corrected
    table supersedes that project's alone."""
    table = TABLES / "guangzhou_2023_project_self_evaluation_table_basic_research.pdf"
    shutil.copy2(table, settings.landing_dir / "2023" / table.name)
    land_all(settings)
    ledger = Ledger(settings.state.ledger_path)
    (landed,) = [entry for entry in ledger.entries().values() if entry.subject]
    assert landed.version_key == "project_self_evaluation_table|gz_sti|2023|基础研究计划"
    project = {"doc_type": "project_self_evaluation_table", "department_key": "gz_sti", "fiscal_year": 2023}
    other = ledger.record_parsed(
        sha256="b" * 64, source_path="2023/b.pdf", parser_version="x", subject="企业创新计划", **project
    )
    corrected = ledger.record_parsed(
        sha256="c" * 64, source_path="2023/c.pdf", parser_version="x", subject="基础研究计划", **project
    )
    assert (other, corrected) == ([], [landed.document_sha256])
    statuses = {entry.subject: entry.status for entry in ledger.entries().values() if entry.subject}
    assert statuses == {"企业创新计划": "current", "基础研究计划": "current"}
    # The documents of a whole department keep the version key they had before subjects.
    assert {entry.version_key.count("|") for entry in ledger.entries().values() if not entry.subject} == {2}


def test_a_ledger_from_before_subjects_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript(LEDGER_SCHEMA.replace(",\n    subject text", ""))
        connection.execute(
            "insert into documents values ('a', '2023/a.pdf', 'current', 'dept_target_form', 'gz_sti', 2023,"
            " 'old', null, null, null, '2026-01-01', '2026-01-01')"
        )
    (entry,) = Ledger(path).entries().values()
    assert (entry.subject, entry.version_key) == (None, "dept_target_form|gz_sti|2023")


def test_versions_after_follows_the_links_among_the_landed_versions() -> None:
    """A chain of three, two versions superseded by one (landed the same night), a link to a version
    not landed, and a circle the ledger should never hold: counted, or left without a count."""

    def entry(sha: str, superseded_by: str | None) -> LedgerEntry:
        status = "current" if superseded_by is None else "superseded"
        return LedgerEntry(
            sha, f"{sha}.pdf", status, "dept_target_form", "k", 2023, "1", superseded_by, "", ""
        )

    links = {
        "a1": "a2",
        "a2": "a3",
        "a3": None,
        "b1": "b3",
        "b2": "b3",
        "b3": None,
        "c1": "gone",
        "d1": "d2",
        "d2": "d1",
    }
    counted = versions_after({sha: entry(sha, after) for sha, after in links.items()})
    assert counted == {
        "a1": 2,
        "a2": 1,
        "a3": 0,
        "b1": 1,
        "b2": 1,
        "b3": 0,
        "c1": None,
        "d1": None,
        "d2": None,
    }

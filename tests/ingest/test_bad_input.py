"""Malformed input: a typed, one-line error that names the file, from the parser and from the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import ContentStream

from ingest.document import parse_document
from ingest.errors import (
    DocumentError,
    EncryptedPdf,
    NotAPdf,
    NoTextLayer,
    UnknownDocumentType,
    UnknownYear,
    UnreadableFile,
)
from jixiao.cli import main
from tests.conftest import SAMPLE_FILES, bin_path

FORM = SAMPLE_FILES["huangpu_2023_dept_target_form"]
REPORT = SAMPLE_FILES["huangpu_2022_self_evaluation"]
TABLE = SAMPLE_FILES["guangzhou_2023_project_target_table"]


def html_error_page(folder: Path) -> Path:
    path = folder / "2023" / "download.pdf"
    path.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    return path


def empty_file(folder: Path) -> Path:
    path = folder / "2023" / "empty.pdf"
    path.write_bytes(b"")
    return path


def truncated_download(folder: Path) -> Path:
    path = folder / "2023" / "truncated.pdf"
    path.write_bytes(FORM.read_bytes()[:4096])
    return path


def truncated_report(folder: Path) -> Path:
    path = folder / "2022" / "truncated_report.pdf"
    path.write_bytes(REPORT.read_bytes()[: REPORT.stat().st_size // 3])
    return path


def encrypted_project_table(folder: Path) -> Path:
    writer = pypdf.PdfWriter(clone_from=TABLE)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = folder / "2023" / "encrypted_table.pdf"
    writer.write(path)
    return path


def report_without_year(folder: Path) -> Path:
    # The self-evaluation's own pages 2-14: no title, so no department and no year to read.
    writer = pypdf.PdfWriter()
    reader = pypdf.PdfReader(REPORT)
    for page in reader.pages[1:]:
        writer.add_page(page)
    path = folder / "2022" / "untitled_report.pdf"
    writer.write(path)
    return path


def encrypted(folder: Path) -> Path:
    writer = pypdf.PdfWriter(clone_from=FORM)
    writer.encrypt(user_password="secret", owner_password="owner")
    path = folder / "2023" / "encrypted.pdf"
    writer.write(path)
    return path


def scanned(folder: Path) -> Path:
    """A page that is one picture and no text, as a scanner makes it (a 2×2 grey image here)."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=842, height=595)
    picture = ContentStream(None, writer)
    picture.set_data(b"q 842 0 0 595 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x80\x90\xa0\xb0 EI Q")
    page.replace_contents(picture)
    path = folder / "2023" / "scan.pdf"
    writer.write(path)
    return path


def other_document(folder: Path) -> Path:
    # A real page of prose that carries none of the three titles.
    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(REPORT).pages[2])
    path = folder / "2022" / "other.pdf"
    writer.write(path)
    return path


def form_without_year_folder(folder: Path) -> Path:
    path = folder / "inbox" / FORM.name
    path.parent.mkdir(parents=True)
    shutil.copy2(FORM, path)
    return path


def missing_file(folder: Path) -> Path:
    return folder / "2023" / "gone.pdf"


def directory_named_pdf(folder: Path) -> Path:
    path = folder / "2023" / "folder.pdf"
    path.mkdir()
    return path


def dangling_symlink(folder: Path) -> Path:
    path = folder / "2023" / "link.pdf"
    path.symlink_to(folder / "2023" / "moved-away.pdf")
    return path


def symlink_loop(folder: Path) -> Path:
    path = folder / "2023" / "loop.pdf"
    path.symlink_to(path)
    return path


CASES: list[tuple[Callable[[Path], Path], type[DocumentError], str]] = [
    (missing_file, UnreadableFile, "no such file"),
    (directory_named_pdf, UnreadableFile, "a directory"),
    (dangling_symlink, UnreadableFile, "a symlink to nothing"),
    (symlink_loop, UnreadableFile, "symbolic links"),
    (html_error_page, NotAPdf, "not a PDF"),
    (empty_file, NotAPdf, "empty"),
    (truncated_download, NotAPdf, "broken"),
    (encrypted, EncryptedPdf, "encrypted"),
    (truncated_report, NotAPdf, "broken"),
    (encrypted_project_table, EncryptedPdf, "encrypted"),
    (report_without_year, UnknownDocumentType, "names none of"),
    (scanned, NoTextLayer, "no text layer"),
    (other_document, UnknownDocumentType, "names none of"),
    (form_without_year_folder, UnknownYear, "--year"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for year in ("2022", "2023"):
        (tmp_path / year).mkdir()
    return tmp_path


@pytest.mark.parametrize(("make", "error", "words"), CASES, ids=[case[0].__name__ for case in CASES])
def test_parser_raises_a_typed_error_naming_the_file(
    folder: Path, make: Callable[[Path], Path], error: type[DocumentError], words: str
) -> None:
    path = make(folder)
    with pytest.raises(error) as raised:
        parse_document(path)
    message = str(raised.value)
    assert message.startswith(str(path))
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize(("make", "error", "words"), CASES, ids=[case[0].__name__ for case in CASES])
def test_cli_prints_one_line_and_exits_2(
    folder: Path,
    make: Callable[[Path], Path],
    error: type[DocumentError],
    words: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = make(folder)
    assert main(["parse", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"jixiao: {error.__name__}: {path}: ")
    assert len(err.strip().splitlines()) == 1
    assert words in err


def test_the_installed_command_exits_2_with_the_same_line(folder: Path) -> None:
    make, error, words = CASES[0]
    path = make(folder)
    result = subprocess.run(
        [bin_path("jixiao"), "parse", str(path), "--json"], capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"jixiao: {error.__name__}: {path}: ") and words in result.stderr


def test_year_override_rescues_a_form_without_year_folder(folder: Path) -> None:
    document = parse_document(form_without_year_folder(folder), year=2023)
    assert document.header.year == 2023


def test_a_file_name_cannot_split_the_line_or_reach_the_terminal(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "2023" / "report\n\x1b[31mred.pdf"
    path.write_text("<html>502</html>", encoding="utf-8")
    assert main(["parse", str(path)]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and "\x1b" not in err
    assert err.startswith("jixiao: NotAPdf: ") and "report\\n\\x1b[31mred.pdf" in err


def test_a_file_name_starting_with_a_dash_is_read_after_the_double_dash(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy2(FORM, folder / "2023" / "-form.pdf")
    monkeypatch.chdir(folder / "2023")
    assert main(["parse", "--json", "--year", "2023", "--", "-form.pdf"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["department"] and err == ""


@pytest.mark.parametrize("year", ["0", "-5", "1989", "99999"])
def test_a_year_that_no_document_can_have_is_refused(
    folder: Path, year: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = form_without_year_folder(folder)
    assert main(["parse", str(path), "--year", year]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"jixiao: BadArgument: {path}: --year {year} ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("sample", "tables"),
    [
        (FORM, ["budget lines", "key tasks", "indicators", "targets"]),
        (TABLE, ["budget lines", "projects", "project indicators", "targets"]),
        (REPORT, ["scores", "facts"]),
    ],
    ids=["form", "project table", "self-evaluation"],
)
def test_the_table_view_shows_every_record_list(
    sample: Path, tables: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["parse", str(sample)]) == 0
    out, err = capsys.readouterr()
    shown = {title for title in tables if title in out}
    assert shown == set(tables) and err == ""


def test_library_log_records_go_to_the_log_file_never_to_stderr(tmp_path: Path) -> None:
    # A fresh interpreter, as `jixiao parse` runs: without the CLI's handler, Python's last-resort
    # handler would print the library's warning on stderr, beside the one line of a refusal.
    script = (
        "import logging, warnings\n"
        "from jixiao.cli import log_to_file\n"
        "from jixiao.runtime.settings import Settings\n"
        "path = log_to_file(Settings.from_env())\n"
        "logging.getLogger('pdfminer.pdffont').warning('Could not get FontBBox from font descriptor')\n"
        "warnings.warn('a library warning')\n"
        "print(path)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "JIXIAO_STATE_DIR": str(tmp_path / "state")},
        check=True,
    )
    assert result.stderr == ""
    logged = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "WARNING pdfminer.pdffont: Could not get FontBBox" in logged
    assert "a library warning" in logged

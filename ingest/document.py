"""One PDF → ParsedDocument: the single entry point that opens files, identifies the family from
the title and hands its pages to the family's reader (ingest/families/registry.py)."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

from pypdfium2 import PdfDocument

from ingest.departments import DepartmentDirectory
from ingest.errors import DocumentError, NotAPdf, UnknownYear, UnreadableScan
from ingest.families.family import Family, Pages
from ingest.families.registry import family_of, identify
from ingest.identify import Title, resolve_year
from ingest.pdf.columns import is_continuation_mark
from ingest.pdf.integrity import damaged_page
from ingest.pdf.pdfium import PageObjects
from ingest.pdf.reader import PdfContent, TableRow, first_page_text, open_pdf, read_pdf
from ingest.proof import prove, prove_prose, unmarked
from ingest.records import DocType, DocumentHeader, ParsedDocument
from ingest.settling import settle
from ingest.targets import targets_of

# Bumped when a parser change alters records: documents parsed by an older version are parsed again.
PARSER_VERSION = "2026.11.29.16"


def sections_of(doc_type: DocType) -> tuple[str, ...]:
    """The record lists a family may read; `jixiao parse --json` prints a document's own."""
    return family_of(doc_type).sections


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_document(
    path: Path,
    *,
    year: int | None = None,
    source_path: str | None = None,
    departments: DepartmentDirectory | None = None,
    ocr: bool = True,
) -> ParsedDocument:
    """Parse one document. Raises a DocumentError subclass naming the file when it cannot; with
    `ocr` False, NeedsOcr at the first scanned page instead of reading it."""
    try:
        document = _parse(Path(path), year=year, source_path=source_path, departments=departments, ocr=ocr)
        if document.header.ocr:
            document = unmarked(document)
    except DocumentError as error:
        error.stamp(path)
        raise
    document.targets = targets_of(document)
    return document


def _read_scan(path: Path, document: PdfDocument, index: int, blank: PageObjects) -> PageObjects | None:
    from ingest.scan.page import read_scan  # OpenCV, ONNX Runtime and Tesseract: for scans only

    return read_scan(path, document, index, blank)


def _parse(
    path: Path,
    *,
    year: int | None,
    source_path: str | None,
    departments: DepartmentDirectory | None,
    ocr: bool,
) -> ParsedDocument:
    with open_pdf(path, scans=_read_scan if ocr else None) as pdf:
        # A page PDFium draws only up to its damage would read as a blank or a shorter page.
        if problem := damaged_page(path):
            raise NotAPdf(path, f"the PDF structure is broken ({problem})")
        # What the document is comes from its title page alone: anything else is refused unread.
        first_page = first_page_text(pdf, path)
        family, title = identify(first_page, path)
        # Forms and tables are read from their tables: only a family that reads prose needs the text.
        content = read_pdf(pdf, first_page=first_page, texts=family.reads_text)
    if not content.scanned:
        return records_of(path, family, title, first_page, content, year, source_path, departments)
    return proven_records(
        path,
        content,
        lambda read: records_of(path, family, title, first_page, read, year, source_path, departments),
    )


def proven_records(
    path: Path, content: PdfContent, records: Callable[[PdfContent], ParsedDocument]
) -> ParsedDocument:
    """The records of a document read by OCR (`records` of its content), once they pass its proof
    (`ingest/proof.py`), its unproven amounts settled by its identities where they can be
    (`ingest/settling.py`); UnreadableScan otherwise."""

    def proven(rows: list[TableRow]) -> ParsedDocument:
        document = records(dataclasses.replace(content, rows=rows))
        prove(document, path)
        return document

    try:
        return proven(content.rows)
    except UnknownYear:
        raise  # the landing path's folder, not OCR, is what is missing
    except DocumentError as error:
        settled = settle(content.rows, proven)
        if settled is not None:
            return settled
        if isinstance(error, UnreadableScan):
            raise  # the proof's own refusal names the figure
        # In a scan, a block not found or an amount not there is a misreading far more often than
        # a broken document: where an amount belongs, OCR gave none its readings agreed on
        # (ingest/scan/page.py), or a label came out unrecognisable.
        detail = f"{error.detail} (read by OCR from a scan: not read for certain)"
        raise UnreadableScan(path, detail) from error


def records_of(
    path: Path,
    family: Family,
    title: Title,
    first_page: str,
    content: PdfContent,
    year: int | None,
    source_path: str | None,
    departments: DepartmentDirectory | None,
) -> ParsedDocument:
    # A 续表 mark is no row of any block: the header it announces is read as a header.
    rows = [row for row in content.rows if not is_continuation_mark(row)]
    pages = Pages(title, first_page, rows, content.texts, scanned=bool(content.scanned))
    family.one_document(pages)
    if content.scanned and family.reads_text:
        prove_prose(content.texts, path)
    reading = family.read(pages)
    family.complete(reading)
    printed = title.year if title.year is not None else reading.year
    fiscal_year, year_source = resolve_year(path, printed, year, source_path)
    header = DocumentHeader(
        sha256=sha256_of(path),
        source_path=source_path or str(path),
        doc_type=family.doc_type,
        department=reading.department,
        year=fiscal_year,
        year_source=year_source,
        page_count=content.page_count,
        department_code=departments.match(reading.department) if departments else None,
        ocr=bool(content.scanned),
        subject=reading.subject,
    )
    return ParsedDocument(header, reading.sections, **reading.records)

"""Opening PDFs and reading their tables (pdfplumber) and plain text (pypdfium2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from ingest.errors import EncryptedPdf, NotAPdf, NoTextLayer
from ingest.pdf.text import unwrap


@dataclass(frozen=True)
class TableRow:
    """One row of a ruled table, cells already unwrapped ('' for empty), with where it was printed."""

    page: int  # 1-based page number
    row: int  # 1-based row number within that page's tables
    cells: tuple[str, ...]

    def filled(self) -> list[str]:
        return [cell for cell in self.cells if cell]


def check_pdf_header(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise NotAPdf(path, "not a PDF (no %PDF- header in the first 1 KiB)")


def open_pdf(path: Path) -> pdfplumber.PDF:
    check_pdf_header(path)
    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # forces the page tree: broken files fail here, not later mid-parse
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise EncryptedPdf(path, "the PDF is encrypted and needs a password") from exc
        detail = str(cause).strip() or type(cause).__name__
        raise NotAPdf(path, f"the PDF structure is broken ({detail})") from exc
    if not pdf.pages:
        pdf.close()
        raise NotAPdf(path, "the PDF has no pages")
    return pdf


def table_rows(pdf: pdfplumber.PDF) -> Iterator[TableRow]:
    """Every row of every ruled table, page after page, in reading order."""
    for page in pdf.pages:
        row_number = 0
        for table in page.find_tables():
            for raw in table.extract():
                row_number += 1
                cells = tuple(unwrap(cell) for cell in raw)
                if any(cells):
                    yield TableRow(page=page.page_number, row=row_number, cells=cells)


def first_page_text(pdf: pdfplumber.PDF, path: Path) -> str:
    text = pdf.pages[0].extract_text() or ""
    if not text.strip():
        raise NoTextLayer(path, "page 1 has no text layer (a scan?); OCR it before landing")
    return text


def page_texts(path: Path) -> list[str]:
    """Plain text of every page, through PDFium: much faster than pdfplumber where no table is needed."""
    check_pdf_header(path)
    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf(path, "the PDF is encrypted and needs a password") from exc
        raise NotAPdf(path, f"PDFium cannot open it ({exc})") from exc
    try:
        texts = []
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
    finally:
        document.close()
    if not any(text.strip() for text in texts):
        raise NoTextLayer(path, "no page has a text layer (a scan?); OCR it before landing")
    return texts

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
from ingest.pdf.merges import BBox, restore_split_labels
from ingest.pdf.text import unwrap


@dataclass(frozen=True)
class TableRow:
    """One row of a ruled table, cells already unwrapped, with where it was printed.

    `cells[i]` is '' both for an empty cell and for a grid slot covered by a merged cell; `boxes[i]`
    tells them apart (None for the covered slot) and gives each cell's position, which is how cells
    are matched to the header row's columns whatever the page's grid looks like.
    """

    page: int  # 1-based page number
    row: int  # 1-based row number within that page's tables
    cells: tuple[str, ...]
    boxes: tuple[BBox | None, ...] = ()

    def filled(self) -> list[str]:
        return [cell for cell in self.cells if cell]


def check_pdf_header(path: Path) -> None:
    if path.stat().st_size == 0:
        raise NotAPdf(path, "the file is empty (0 bytes): an interrupted download?")
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
    """Every row of every ruled table, page after page, in reading order; one pass per page."""
    for page in pdf.pages:
        row_number = 0
        words: list[dict[str, object]] | None = None
        for table in page.find_tables():
            # extract() walks table.rows in order, one text per cell slot: the two line up.
            # keep_blank_chars: a space printed at the end of a wrapped line is part of the text.
            texts = [list(row) for row in table.extract(keep_blank_chars=True)]
            cells = [list(row.cells) for row in table.rows]
            if words is None:
                words = page.extract_words()
            restore_split_labels(cells, texts, words)
            for boxes, raw in zip(cells, texts, strict=True):
                row_number += 1
                row_cells = tuple(unwrap(text) for text in raw)
                if any(row_cells):
                    yield TableRow(page=page.page_number, row=row_number, cells=row_cells, boxes=tuple(boxes))
        page.close()  # drop the page's parsed objects: memory stays flat on long documents


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

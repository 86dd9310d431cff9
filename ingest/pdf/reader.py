"""Opening PDFs and reading their tables and plain text: PDFium reads each page's characters and
rulings once (`ingest/pdf/pdfium.py`), pdfplumber's algorithms make lines, words and tables of them."""

from __future__ import annotations

import re
import stat
import statistics
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter
from pathlib import Path

import pypdfium2 as pdfium
from pdfplumber.table import CellGroup, TableFinder
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE, extract_text, extract_words

from ingest.errors import DamagedFont, EncryptedPdf, NeedsOcr, NotAPdf, NoTextLayer, UnreadableFile
from ingest.pdf.merges import BBox, restore_split_labels
from ingest.pdf.normalise import normalise_text
from ingest.pdf.pdfium import Obj, PageObjects, PdfReadError, open_document, page_objects, repaired
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
    # The first row under a page top the table crosses without a rule (a browser's printing): it
    # may go on from the last row of the previous page, if its first cells are empty.
    continued: bool = False

    def filled(self) -> list[str]:
        return [cell for cell in self.cells if cell]


def check_readable(path: Path) -> int:
    """The size of the regular file at `path`; UnreadableFile when there is none to read."""
    try:
        status = path.stat()  # follows symlinks: a broken or looping one fails here
        if stat.S_ISREG(status.st_mode):
            with path.open("rb"):
                return status.st_size
    except FileNotFoundError:
        detail = "a symlink to nothing" if path.is_symlink() else "no such file"
        raise UnreadableFile(path, detail) from None
    except OSError as error:
        raise UnreadableFile(path, f"cannot be read ({error.strerror or error})") from None
    kind = "a directory" if stat.S_ISDIR(status.st_mode) else "not a regular file"
    raise UnreadableFile(path, f"{kind}, not a PDF file")


def check_pdf_header(path: Path) -> None:
    if check_readable(path) == 0:
        raise NotAPdf(path, "the file is empty (0 bytes): an interrupted download?")
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise NotAPdf(path, "not a PDF (no %PDF- header in the first 1 KiB)")


# A PDF ends with %%EOF; a download cut short does not, and its last pages may be gone.
_TAIL_BYTES = 2048


def _ends_complete(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - _TAIL_BYTES))
        return b"%%EOF" in handle.read()


# Reads a page that prints an image of the whole sheet (a scan) from that image, given the file, the
# document, the page's index and what the page gave without OCR; None when it holds no such image.
# Handed in by the caller (`ingest.scan.page.read_scan`): the text layer's reader never imports OCR.
ScanReader = Callable[[Path, pdfium.PdfDocument, int, PageObjects], PageObjects | None]


class Pdf:
    """An open PDF whose pages are read one at a time; the title page is kept once read, since a
    document is identified from it before the rest is read."""

    def __init__(self, path: Path, document: pdfium.PdfDocument, *, scans: ScanReader | None = None) -> None:
        self.path = path
        self.document = document
        self.scans = scans  # None: a scanned page raises NeedsOcr instead of being read
        self.page_count = len(document)
        self.title: PageObjects | None = None
        self.scanned: set[int] = set()  # the pages read by OCR (`ingest/scan/`)

    def page(self, number: int) -> PageObjects:
        """The page's characters and rulings; a page that prints no text but an image of the whole
        sheet (a scan) is read from that image."""
        if self.title is not None and self.title.page_number == number:
            return self.title
        try:
            objects = page_objects(self.document, number - 1)
        except DamagedFont as error:
            raise error.stamp(self.path) from None
        if objects.chars or not objects.drawn:
            return objects
        if self.scans is None:
            raise NeedsOcr(self.path, self.page_count)
        scanned = self.scans(self.path, self.document, number - 1, objects)
        if scanned is None:
            return objects
        self.scanned.add(number)
        return scanned

    def close(self) -> None:
        self.document.close()

    def __enter__(self) -> Pdf:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def open_pdf(path: Path, *, scans: ScanReader | None = None) -> Pdf:
    check_pdf_header(path)
    try:
        document = open_document(path)
    except PdfReadError as error:
        if error.password:
            raise EncryptedPdf(path, "the PDF is encrypted and needs a password") from error
        raise NotAPdf(path, f"the PDF structure is broken ({error})") from error
    # PDFium rebuilds a damaged cross-reference table and reads on; a file that also lacks its end
    # was cut short, and what it still shows is not the whole document.
    if repaired(document) and not _ends_complete(path):
        document.close()
        raise NotAPdf(path, "the PDF structure is broken (the file is cut short: no %%EOF at its end)")
    if len(document) == 0:
        document.close()
        raise NotAPdf(path, "the PDF has no pages")
    return Pdf(path, document, scans=scans)


# Spaces come from the space glyphs the producer printed (keep_blank_chars), not from gaps: Word and
# LibreOffice put a small gap (about a fifth of a character) between Chinese and Latin runs, which
# is layout, not text. Only a gap of half a character or more counts as a space that was not printed.
WORD_GAP = 0.5


@dataclass
class PdfContent:
    """What one pass over a PDF read: the text of the pages asked for, and every table row."""

    page_count: int
    texts: dict[int, str]  # page number → text (lines as printed, spaces kept), of the pages read
    rows: list[TableRow]
    scanned: frozenset[int] = frozenset()  # the pages read by OCR


# A horizontal rule is at least this long (points): shorter ones are the ends of thin rectangles.
_RULE_LENGTH = 20.0
# Vertical rulings running this far past the outermost horizontal rule leave a row open.
_OPEN_ROW = 3.0


def _open_row_edges(page: PageObjects) -> tuple[float | None, float | None]:
    """Where a table runs over the page's edge without a closing rule, as a browser prints it.

    The vertical rulings go on past the last horizontal one (or start before the first): the row
    there is open, and pdfplumber finds no cells in it. The rulings' ends (top, bottom) close it;
    None where the table is closed.
    """
    edges = page.edges
    verticals = [edge for edge in edges if edge["orientation"] == "v"]
    rules = [edge["top"] for edge in edges if edge["orientation"] == "h" and edge["width"] >= _RULE_LENGTH]
    if not verticals or not rules:
        return None, None
    top = min(edge["top"] for edge in verticals)
    bottom = max(edge["bottom"] for edge in verticals)
    return (
        top if min(rules) - top > _OPEN_ROW else None,
        bottom if bottom - max(rules) > _OPEN_ROW else None,
    )


def _cell_texts(rows: list[CellGroup], chars: list[Obj]) -> list[list[str | None]]:
    """Each cell's text, row by row: what pdfplumber's `Table.extract` gives (a character belongs to
    the cell holding its middle; None for a slot a merged cell covers), but each row looks only at
    the characters at its height instead of every character of the page.
    """
    # (middle height, middle across, place in the content, character), by height.
    placed = sorted(
        ((char["top"] + char["bottom"]) / 2, (char["x0"] + char["x1"]) / 2, place, char)
        for place, char in enumerate(chars)
    )
    heights = [height for height, *_ in placed]
    table: list[list[str | None]] = []
    for row in rows:
        left, top, right, bottom = row.bbox
        at_height = placed[bisect_left(heights, top) : bisect_left(heights, bottom)]
        in_row = [item for item in at_height if left <= item[1] < right]
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            x0, cell_top, x1, cell_bottom = cell
            # In content order, as pdfplumber hands them to its text extraction.
            inside = sorted(
                (place, char) for height, across, place, char in in_row
                if x0 <= across < x1 and cell_top <= height < cell_bottom
            )  # fmt: skip
            texts.append(_text_of([char for _, char in inside]) if inside else "")
        table.append(texts)
    return table


# Distributed alignment (分散对齐) spreads a cell's line over its width at one even pitch: the gaps
# between the characters' advance boxes are all alike, and at least this share of a character wide.
_SPREAD = 0.15
# How far one gap of a spread line may differ from another (points, or this share of a character).
_EVEN_POINTS, _EVEN_SHARE = 1.0, 0.12
# Justification (两端对齐) spreads a line's Chinese characters by one extra gap, at least this share
# of a character; a line whose Chinese neighbours stand this evenly apart was spread.
_JUSTIFIED = 0.05
_WIDE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _even(gaps: list[float], width: float) -> bool:
    return max(gaps) - min(gaps) <= max(_EVEN_POINTS, _EVEN_SHARE * width)


def _spread_evenly(chars: list[Obj]) -> bool:
    """Whether a line is set in distributed alignment: no space printed in it, and either three
    characters or more, every gap between neighbours of one width and visibly wide, or two set a
    character or more apart."""
    if len(chars) < 2 or any(not char["text"].strip() for char in chars):
        return False
    gaps: list[float] = [after["x0"] - before["x1"] for before, after in pairwise(chars)]
    width: float = statistics.median(char["x1"] - char["x0"] for char in chars)
    if len(chars) == 2:
        return gaps[0] >= width
    return min(gaps) >= _SPREAD * width and _even(gaps, width)


def _justified_gap(chars: list[Obj]) -> float | None:
    """The extra gap a justified line's Chinese characters were spread by, or None for a line set
    tight: two or more pairs of Chinese neighbours, all that far apart."""
    gaps = [
        after["x0"] - before["x1"]
        for before, after in pairwise(chars)
        if _WIDE.match(before["text"]) and _WIDE.match(after["text"])
    ]
    if len(gaps) < 2:
        return None
    size: float = statistics.median(char["size"] for char in chars)
    if min(gaps) < _JUSTIFIED * size or not _even(gaps, size):
        return None
    return float(statistics.median(gaps))


def _line_text(line: list[Obj]) -> str | None:
    """A spread line's text, or None for a line read as pdfplumber reads it.

    A line in distributed alignment reads without spaces, however close the spread puts some pairs
    (组织 科 技 成果 …). A justified line's gaps count without the spread: a space is read only where
    a gap is a word gap wider than the spread (全年预算数 38,652.18 is not spaced by a line that a long
    figure stretched). A space printed as a character is always kept."""
    chars = sorted(line, key=lambda char: char["x0"])
    if _spread_evenly(chars):
        return "".join(char["text"] for char in chars)
    spread = _justified_gap(chars)
    if spread is None:
        return None
    text = [chars[0]["text"]]
    for before, after in pairwise(chars):
        blank = not before["text"].strip() or not after["text"].strip()
        if not blank and after["x0"] - before["x1"] - spread >= WORD_GAP * before["size"]:
            text.append(" ")
        text.append(after["text"])
    return "".join(text)


def _text_of(chars: list[Obj]) -> str:
    """The characters' text as pdfplumber extracts it, but for the lines set spread (`_line_text`)."""
    text: str = extract_text(chars, keep_blank_chars=True, x_tolerance_ratio=WORD_GAP)
    if " " not in text:
        return text
    lines = sorted(
        cluster_objects(chars, itemgetter("top"), DEFAULT_Y_TOLERANCE), key=lambda line: line[0]["top"]
    )
    spread = [_line_text(line) for line in lines]
    if all(line is None for line in spread):
        return text
    return "\n".join(
        extract_text(line, keep_blank_chars=True, x_tolerance_ratio=WORD_GAP) if read is None else read
        for line, read in zip(lines, spread, strict=True)
    )


def _page_rows(page: PageObjects) -> Iterator[TableRow]:
    row_number = 0
    words: list[dict[str, object]] | None = None
    open_top, open_bottom = _open_row_edges(page)
    closing = [edge for edge in (open_top, open_bottom) if edge is not None]
    # TableFinder takes any object with pdfplumber's `chars`, `edges` and `bbox`.
    finder = TableFinder(page, {"explicit_horizontal_lines": closing})  # type: ignore[arg-type]
    for table in finder.tables:
        # extract() walks table.rows in order, one text per cell slot: the two line up.
        # keep_blank_chars: a space printed at the end of a wrapped line is part of the text.
        texts = [
            [None if text is None else normalise_text(text) for text in row]
            for row in _cell_texts(table.rows, page.chars)
        ]
        cells = [list(row.cells) for row in table.rows]
        if words is None:
            words = [{**word, "text": normalise_text(word["text"])} for word in extract_words(page.chars)]
        restore_split_labels(cells, texts, words)
        for boxes, raw, table_row in zip(cells, texts, table.rows, strict=True):
            row_number += 1
            row_cells = tuple(unwrap(text) for text in raw)
            continued = open_top is not None and abs(table_row.bbox[1] - open_top) <= _OPEN_ROW
            if any(row_cells):
                yield TableRow(
                    page=page.page_number,
                    row=row_number,
                    cells=row_cells,
                    boxes=tuple(boxes),
                    continued=continued,
                )


def page_text(page: PageObjects) -> str:
    """The page's text, lines as printed, spaces kept, one spelling per character."""
    return normalise_text(_text_of(page.chars) if page.chars else "")


def first_page_text(pdf: Pdf, path: Path) -> str:
    """The title page alone, enough to tell what a document is before reading the rest of it: the
    first page that prints anything (a blank sheet bound in front of a document is no reason to
    refuse it)."""
    for number in range(1, pdf.page_count + 1):
        page = pdf.page(number)
        if page.drawn:
            break
    else:
        raise NoTextLayer(path, f"none of its {pdf.page_count} pages prints anything")
    pdf.title = page
    text = page_text(page)
    if not text.strip():
        raise NoTextLayer(path, f"page {number} has no text layer, and OCR read no text from it")
    return text


def read_pdf(pdf: Pdf, *, first_page: str | None = None, texts: bool = True) -> PdfContent:
    """One pass, page by page: the text of every page (unless `texts` is False: a form is read from
    its tables), the tables of pages that have rulings.

    Each page's objects are read once and dropped after use, so memory stays flat on long
    documents. Prose pages of a report have no ruling lines and skip table finding. `first_page`
    is the title page's text when the caller has read it already (`first_page_text`).
    """
    page_texts: dict[int, str] = {}
    rows: list[TableRow] = []
    for number in range(1, pdf.page_count + 1):
        page = pdf.page(number)
        known = first_page if pdf.title is not None and pdf.title.page_number == number else None
        if known is not None:
            page_texts[number] = known
        elif texts:
            page_texts[number] = page_text(page)
        if page.edges:
            rows.extend(_page_rows(page))
    return PdfContent(page_count=pdf.page_count, texts=page_texts, rows=rows, scanned=frozenset(pdf.scanned))

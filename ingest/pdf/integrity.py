"""Damage PDFium reads past without a word: a page's content stream that does not inflate, or a
page whose /Contents is not a stream at all (an object that refers to itself).

PDFium draws a damaged page up to the damage and stops, so the page keeps its amounts and loses
the names and texts printed after them: a partial document that looks whole. The check walks each
page's content streams in pdfminer's object model (pdfplumber's own dependency) and inflates the
Flate-compressed ones in bounded chunks, discarding the output: it reads the bytes once, keeps
nothing, and costs a few milliseconds per document.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, PDFStream, resolve1
from pdfminer.psparser import PSLiteral

log = logging.getLogger(__name__)

_CHUNK = 1 << 20  # inflate at most this many bytes at a time: a stream bomb never sits in memory


def damaged_page(path: Path) -> str | None:
    """What is wrong with the first damaged page (`page 4: its content stream is damaged (…)`), or
    None when every page's content is sound. A file pdfminer itself cannot walk is left to PDFium,
    which opened it: this check only names damage it can see."""
    try:
        with path.open("rb") as handle:
            document = PDFDocument(PDFParser(handle))
            for number, page in enumerate(PDFPage.create_pages(document), 1):
                for problem in _problems(page):
                    return f"page {number}: {problem}"
    except Exception as error:
        log.debug("content check skipped for %s: %s", path, error)
    return None


def _problems(page: PDFPage) -> Iterator[str]:
    contents = page.attrs.get("Contents")
    if contents is None:
        return
    entries = resolve1(contents)
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, PDFObjRef):
            entry = resolve1(entry)
        if not isinstance(entry, PDFStream):
            yield "its /Contents is not a content stream (an object that refers to itself?)"
            return
        if _filters(entry)[:1] == ["FlateDecode"] and (error := _inflate_error(entry.rawdata or b"")):
            yield f"its content stream is damaged ({error})"
            return


def _filters(stream: PDFStream) -> list[str]:
    return [str(name.name) if isinstance(name, PSLiteral) else str(name) for name, _ in stream.get_filters()]


def _inflate_error(data: bytes) -> str | None:
    inflater = zlib.decompressobj()
    try:
        pending = data
        while pending:
            inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
    except zlib.error as error:
        return f"zlib: {error}"
    # A stream that stops before zlib's end marker is left alone: producers write such streams and
    # readers accept them; what it holds inflated without error.
    return None

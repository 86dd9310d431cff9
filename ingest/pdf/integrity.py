"""Damage PDFium reads past without a word: a page's content stream that does not inflate, or a
page whose /Contents is not a stream at all (an object that refers to itself).

PDFium draws a damaged page up to the damage and stops, so the page keeps its amounts and loses
the names and texts printed after them: a partial document that looks whole. The check walks the
page tree in pdfminer's object model (pdfplumber's own dependency), following references itself
with a bound (pdfminer's own resolver loops for ever on an object that is a reference to itself),
and inflates each page's Flate-compressed content in bounded chunks, discarding the output: it
keeps nothing and costs a few milliseconds per document.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import LITERALS_FLATE_DECODE, PDFObjRef, PDFStream

log = logging.getLogger(__name__)

_CHUNK = 1 << 20  # inflate at most this many bytes at a time: a stream bomb never sits in memory
# Past this much inflated content in one document the check stops looking (what it read was sound):
# a bomb is for the parse's memory limit to refuse, not for this check to spend the time limit on.
_MAX_INFLATED = 256 << 20
_MAX_HOPS = 32  # references followed from one value before it counts as a loop
_MAX_PAGES = 10_000


class _Broken(Exception):
    """The structure goes round: a reference chain or a page tree that refers to itself."""


def damaged_page(path: Path) -> str | None:
    """What is wrong with the first damaged page (`page 4: its content stream is damaged (…)`), or
    None when every page's content is sound. A file pdfminer itself cannot walk is left to PDFium,
    which opened it: this check only names damage it can see."""
    try:
        with path.open("rb") as handle:
            document = PDFDocument(PDFParser(handle))
            budget = [_MAX_INFLATED]
            for number, page in enumerate(_pages(document), 1):
                for problem in _problems(page, budget):
                    return f"page {number}: {problem}"
    except MemoryError:
        raise
    except Exception as error:
        log.debug("content check skipped for %s: %s", path, error)
    return None


def _resolved(value: Any) -> Any:
    for _ in range(_MAX_HOPS):
        if not isinstance(value, PDFObjRef):
            return value
        value = value.resolve()
    raise _Broken


def _pages(document: PDFDocument) -> Iterator[dict[str, Any]]:
    """Each page's dictionary in reading order; a /Kids tree that refers to itself is read once."""
    seen: set[int] = set()
    pending: list[Any] = [document.catalog.get("Pages")]
    count = 0
    while pending and count < _MAX_PAGES:
        reference = pending.pop()
        if isinstance(reference, PDFObjRef):
            if reference.objid in seen:
                continue
            seen.add(reference.objid)
        node = _resolved(reference)
        if not isinstance(node, dict):
            continue
        kids = _resolved(node.get("Kids"))
        if isinstance(kids, list):
            pending.extend(reversed(kids))
        else:
            count += 1
            yield node


def _problems(page: dict[str, Any], budget: list[int]) -> Iterator[str]:
    try:
        contents = _resolved(page.get("Contents"))
        entries = [_resolved(entry) for entry in contents] if isinstance(contents, list) else [contents]
    except _Broken:
        yield "its /Contents refers to itself"
        return
    for entry in entries:
        if entry is None:
            continue
        if not isinstance(entry, PDFStream):
            yield "its /Contents is not a content stream (an object that refers to itself?)"
            return
        if _flate_first(entry) and (error := _inflate_error(_deciphered(entry), budget)):
            yield f"its content stream is damaged ({error})"
            return


def _deciphered(stream: PDFStream) -> bytes:
    """The stream's bytes as written before compression: an encrypted file (an owner password that
    only restricts printing is common) stores them encrypted."""
    data = stream.rawdata or b""
    if stream.decipher and stream.objid is not None and stream.genno is not None:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    return data


def _flate_first(stream: PDFStream) -> bool:
    """Whether zlib undoes the stream's first filter (pdfminer's own names for it: /FlateDecode, /Fl)."""
    filters = stream.get_filters()
    return bool(filters) and filters[0][0] in LITERALS_FLATE_DECODE


def _inflate_error(data: bytes, budget: list[int]) -> str | None:
    inflater = zlib.decompressobj()
    try:
        pending = data
        while pending and budget[0] > 0:
            budget[0] -= len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error as error:
        # A wrong checksum after a complete stream is a producer's slip every reader forgives (the
        # content inflated whole); anything else stops the content where it is.
        return None if "incorrect data check" in str(error) else f"zlib: {error}"
    # A stream that stops before zlib's end marker is left alone: producers write such streams and
    # readers accept them; what it holds inflated without error.
    return None

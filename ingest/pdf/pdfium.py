"""A page's characters and rulings, read by PDFium (pypdfium2), in pdfplumber's object shapes.

pdfminer interprets content streams in Python: on our forms it is over half of the parse time,
and pdfplumber's conversion of each of its objects to a dict most of the rest. PDFium does the same
interpretation in C++. This module reads from it only what the parsers use: each printed character
(text, box, size, whether upright) and each straight ruling (as horizontal and vertical edges),
as the dicts pdfplumber's own algorithms take, so the text, word and table finding stay pdfplumber's
(`ingest/pdf/reader.py`).

Coordinates are pdfplumber's: points from the top-left corner of the media box, page rotation not
applied. A character's box is its advance across and its font size high, resting on the baseline,
as pdfminer draws it for fonts that declare no descent: line clustering and cell assignment use the
box, and a box from the baseline is the same for every font on a line.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.errors import DamagedFont

Obj = dict[str, Any]  # pdfplumber's object shape (`T_obj`)

# Two points closer than this (pt) along an axis are on one line: transformed coordinates of a
# ruling printed straight can differ in the last bits.
_STRAIGHT = 0.01
# Code points PDFium reports for what is not a printed character: line ends it read from the
# content, and characters whose font maps to no Unicode.
_NOT_PRINTED = frozenset({0x0, 0xA, 0xD, 0xFFFE, 0xFFFF})
_MAX_FORM_DEPTH = 8  # form XObjects nested deeper than this are not read for rulings


@dataclass
class PageObjects:
    """What a parser reads of one page; duck-types the parts of `pdfplumber.page.Page` that
    `pdfplumber.table.TableFinder` and `Table.extract` use (`chars`, `edges`, `bbox`)."""

    page_number: int  # 1-based
    width: float
    height: float
    chars: list[Obj] = field(default_factory=list)
    edges: list[Obj] = field(default_factory=list)
    drawn: int = 0  # the page's objects of any kind (text, paths, images): 0 on a blank sheet

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (0.0, 0.0, self.width, self.height)


class PdfReadError(Exception):
    """PDFium could not open the file; `password` tells an encrypted file from a broken one."""

    def __init__(self, detail: str, *, password: bool) -> None:
        super().__init__(detail)
        self.password = password


def open_document(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        raise PdfReadError(str(error), password=code == pdfium_c.FPDF_ERR_PASSWORD) from error


def repaired(document: pdfium.PdfDocument) -> bool:
    """Whether PDFium had to rebuild the cross-reference table to open the file."""
    return not pdfium_c.FPDF_DocumentHasValidCrossReferenceTable(document.raw)


def page_objects(document: pdfium.PdfDocument, index: int) -> PageObjects:
    """Characters and rulings of page `index` (0-based)."""
    page = document[index]
    try:
        left, bottom, right, top = page.get_mediabox()
        objects = PageObjects(index + 1, width=right - left, height=top - bottom)
        objects.drawn = pdfium_c.FPDFPage_CountObjects(page.raw)
        order: dict[int | None, int] = {}  # text object → its place in the content
        blanks: list[tuple[int, Obj]] = []
        undrawn: object | None = None
        for place, (kind, page_object, matrix) in enumerate(_objects(page.raw, _IDENTITY, 0)):
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                objects.edges.extend(_path_edges(page_object, matrix, left, top))
            else:
                order[_address(page_object)] = place
                if undrawn is None and _undrawn(page_object):
                    undrawn = page_object
                blank = _blank(page_object, matrix, left, top)
                if blank is not None:
                    blanks.append((place, blank))
        textpage = page.get_textpage()
        try:
            if undrawn is not None:
                raise DamagedFont(_damage(undrawn, textpage.raw, index + 1))
            printed = list(_chars(textpage.raw, order, left, top))
        finally:
            textpage.close()
        # Content order, as pdfminer gives it: a blank goes between the characters around it.
        printed.extend(blanks)
        printed.sort(key=lambda placed: placed[0])
        objects.chars = _spaces_filled([char for _, char in printed])
    finally:
        page.close()
    return objects


def _address(page_object: object) -> int | None:
    return ctypes.cast(page_object, ctypes.c_void_p).value  # type: ignore[arg-type]


def new_char(text: str, x0: float, x1: float, top: float, bottom: float, size: float, upright: bool) -> Obj:
    x1 = max(x0, x1)
    return {
        "object_type": "char", "text": text, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
        "width": x1 - x0, "height": bottom - top, "size": size, "upright": upright,
    }  # fmt: skip


def _chars(
    textpage: object, order: dict[int | None, int], left: float, top: float
) -> Iterator[tuple[int, Obj]]:
    count = pdfium_c.FPDFText_CountChars(textpage)
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    # Per text object: its place in the content, its font and the font's address; per (font, code):
    # the advance at size 1.
    objects: dict[int | None, tuple[int, object, int | None]] = {}
    advances: dict[tuple[int | None, int], float] = {}
    for index in range(count):
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        # Generated characters are PDFium's guesses (a space for a gap, a line break), not print.
        if code in _NOT_PRINTED or pdfium_c.FPDFText_IsGenerated(textpage, index):
            continue
        text_object = pdfium_c.FPDFText_GetTextObject(textpage, index)
        address = _address(text_object)
        known = objects.get(address)
        if known is None:
            font = pdfium_c.FPDFTextObj_GetFont(text_object) if text_object else None
            known = objects[address] = (order.get(address, len(order)), font, _address(font))
        place, font, font_address = known
        pdfium_c.FPDFText_GetCharOrigin(textpage, index, origin_x, origin_y)
        # The size as printed: the font's size scaled by the text's matrix (a browser sets 16 px
        # type at 0.75 pt per px). A matrix that turns the text makes it not upright.
        size = pdfium_c.FPDFText_GetFontSize(textpage, index)
        upright = True
        if pdfium_c.FPDFText_GetMatrix(textpage, index, matrix):
            size *= (matrix.c * matrix.c + matrix.d * matrix.d) ** 0.5
            upright = abs(matrix.b) < 1e-3 and abs(matrix.c) < 1e-3 and matrix.a > 0
        # The advance, as pdfminer measures a character, where the font tells it: PDFium's loose
        # box is the glyph's outline, wider or narrower than the advance.
        key = (font_address, code)
        advance = advances.get(key)
        if advance is None:
            advance = advances[key] = _font_advance(font, code)
        if upright and advance > 0:
            x0 = origin_x.value - left
            baseline = top - origin_y.value
            char = new_char(chr(code), x0, x0 + advance * size, baseline - size, baseline, size, True)
            yield place, ({**char, _BLANK: advance * size} if code == 0x20 else char)
            continue
        # Turned text, or a font without widths: the loose box is the best extent PDFium gives.
        pdfium_c.FPDFText_GetLooseCharBox(textpage, index, box)
        x0, x1 = box.left - left, box.right - left
        yield place, new_char(chr(code), x0, x1, top - box.top, top - box.bottom, size, upright)


def _font_advance(font: object, code: int) -> float:
    """The advance of character `code` in `font` at size 1 (its width in the font), 0 when the font
    does not tell."""
    width = ctypes.c_float()
    if font and pdfium_c.FPDFFont_GetGlyphWidth(font, code, 1.0, width):
        return float(width.value)
    return 0.0


# A blank's advance, as a share of the font size, where its font does not tell: a space is a
# quarter to a third of an em.
_BLANK_ADVANCE = 0.25
_BLANK = "_blank_advance"  # key of a printed or synthesised space: one space's advance in its font


# A run of spaces fills the room to the next character on its line with whole spaces; room that is
# not close to a whole number of spaces (or more than a few) is layout, not print.
_MOST_SPACES = 8
_WHOLE = 0.2


def _spaces_filled(chars: list[Obj]) -> list[Obj]:
    """Each run of printed spaces with as many spaces as it printed.

    PDFium keeps one space of a run (and none of a run printed as its own text object, see
    `_blank`); pdfminer, and so our parsers, read `中共中央办公厅  国务院` with its two. The run's
    length is the room up to the next character on its line, in spaces of its font.
    """
    # For each character, the first one after it that is not a space (one pass, from the end).
    following_printed: list[Obj | None] = [None] * len(chars)
    following: Obj | None = None
    for index in range(len(chars) - 1, -1, -1):
        following_printed[index] = following
        if chars[index]["text"] != " ":
            following = chars[index]
    filled: list[Obj] = []
    for index, char in enumerate(chars):
        advance = char.pop(_BLANK, None)
        filled.append(char)
        if not advance or advance <= 0:
            continue
        following = following_printed[index]
        if following is None or abs(following["bottom"] - char["bottom"]) >= 1:
            continue
        room = (following["x0"] - char["x0"]) / advance
        count = round(room)
        if 1 < count <= _MOST_SPACES and abs(room - count) < _WHOLE:
            for n in range(1, count):
                x0 = char["x0"] + n * advance
                filled.append({**char, "x0": x0, "x1": x0 + advance, "width": advance})
    return filled


def _undrawn(text_object: object) -> bool:
    """Whether a text object's glyphs drew nothing: it covers width but no height.

    A font whose embedded program does not decode (damaged bytes inside it) gives its glyphs no
    outline: PDFium then places the text object by its advances alone (width, no height) and its
    text page reads the characters as gaps, so names would land with holes (作经费 for 工作经费).
    A run of blanks covers neither; every printed glyph has some height.
    """
    x0, y0, x1, y1 = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(text_object, x0, y0, x1, y1):
        return False
    return x1.value - x0.value >= _STRAIGHT and y1.value - y0.value < _STRAIGHT


def _damage(text_object: object, textpage: object, page_number: int) -> str:
    """The refusal of a page whose font draws nothing: the page, the font, what it was to print."""
    font = pdfium_c.FPDFTextObj_GetFont(text_object)
    length = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0) if font else 0
    name = ctypes.create_string_buffer(max(length, 1))
    if length:
        pdfium_c.FPDFFont_GetBaseFontName(font, name, length)
    size = pdfium_c.FPDFTextObj_GetText(text_object, textpage, None, 0)
    buffer = (ctypes.c_ushort * max(size // 2, 1))()
    pdfium_c.FPDFTextObj_GetText(text_object, textpage, buffer, size)
    text = bytes(buffer).decode("utf-16-le", errors="replace").rstrip("\x00").strip()
    printing = f" (printing {text[:20]!r})" if text else ""
    return (
        f"page {page_number}: the font {name.value.decode('latin-1') or '(unnamed)'} draws none of its "
        f"glyphs{printing}: its embedded program is damaged, and its text would be read with holes"
    )


def _blank(text_object: object, matrix: Matrix, left: float, top: float) -> Obj | None:
    """The space a text object of blanks alone prints (a run of its own between Chinese and Latin
    text, as LibreOffice writes it), or None for any other text object.

    PDFium's text page leaves out text objects that cover no width, which is what a run of blanks
    is; pdfminer and so our parsers read it as a space.
    """
    x0, y0, x1, y1 = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    if not pdfium_c.FPDFPageObj_GetBounds(text_object, x0, y0, x1, y1) or x1.value - x0.value >= _STRAIGHT:
        return None
    font_size = ctypes.c_float()
    if not pdfium_c.FPDFTextObj_GetFontSize(text_object, font_size):
        return None
    a, b, _, _, e, f = matrix
    size = font_size.value * (a * a + b * b) ** 0.5
    if size <= 0 or abs(b) > 1e-3:
        return None
    share = _font_advance(pdfium_c.FPDFTextObj_GetFont(text_object), 0x20)
    advance = (share if share > 0 else _BLANK_ADVANCE) * size
    baseline = top - f
    return {
        **new_char(" ", e - left, e - left + advance, baseline - size, baseline, size, True),
        _BLANK: advance,
    }


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _matrix(page_object: object) -> Matrix:
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(page_object, matrix):
        return _IDENTITY
    return (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)


def _then(inner: Matrix, outer: Matrix) -> Matrix:
    """`inner` applied first, then `outer` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _objects(parent: object, outer: Matrix, depth: int) -> Iterator[tuple[int, object, Matrix]]:
    """Every text and path object of a page (or, below it, a form XObject), in content order, with
    its matrix to page space."""
    if depth == 0:
        count, get = pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject
    else:
        count, get = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject
    for index in range(count(parent)):
        page_object = get(parent, index)
        kind = pdfium_c.FPDFPageObj_GetType(page_object)
        if kind in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_TEXT):
            yield kind, page_object, _then(_matrix(page_object), outer)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_FORM_DEPTH:
            yield from _objects(page_object, _then(_matrix(page_object), outer), depth + 1)


def _path_edges(path: object, matrix: Matrix, left: float, top: float) -> Iterator[Obj]:
    """The straight horizontal and vertical pieces of a path's outline, each as an edge.

    A rectangle gives its four sides, a line itself: what pdfplumber makes of rects, lines and
    curves. Curved pieces (rounded corners) and slanted ones are no rulings.
    """
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    start: tuple[float, float] | None = None
    current: tuple[float, float] | None = None
    for index in range(pdfium_c.FPDFPath_CountSegments(path)):
        segment = pdfium_c.FPDFPath_GetPathSegment(path, index)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e - left, top - (b * x.value + d * y.value + f))
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or current is None:
            start = current = point
            continue
        if kind == pdfium_c.FPDF_SEGMENT_LINETO:
            edge = _edge(current, point)
            if edge is not None:
                yield edge
        current = point
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            edge = _edge(current, start)
            if edge is not None:
                yield edge
            current = start


def _edge(p0: tuple[float, float], p1: tuple[float, float]) -> Obj | None:
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    if y1 - y0 <= _STRAIGHT and x1 - x0 > _STRAIGHT:
        middle = (y0 + y1) / 2
        return {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": middle,
                "bottom": middle, "doctop": middle, "width": x1 - x0, "height": 0.0}  # fmt: skip
    if x1 - x0 <= _STRAIGHT and y1 - y0 > _STRAIGHT:
        middle = (x0 + x1) / 2
        return {"object_type": "line", "orientation": "v", "x0": middle, "x1": middle, "top": y0,
                "bottom": y1, "doctop": y0, "width": 0.0, "height": y1 - y0}  # fmt: skip
    return None

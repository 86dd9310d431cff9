"""PP-OCRv4, the Chinese print models of PaddleOCR, in process: RapidOCR runs them on ONNX Runtime.

The models come inside the `rapidocr-onnxruntime` wheel (detection 4.7 MB, recognition 10.9 MB), so
a machine needs nothing more than the Python dependency. They read a line of Chinese print far
better than Tesseract's chi_sim: on our scans at 300 dpi, ≥ came out as ≥ and not as 亏/过/艺, and a
one-glyph line such as the wrapped 况 of 预算整体情况 was read right (docs/ocr-study.md).

One engine per process, loaded on first use; one ONNX Runtime thread each, as the nightly run already
keeps one worker per core.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ingest.pdf.normalise import normalise_text
from ingest.scan.image import PAPER, ink_runs

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels
# A run of digits as prose prints a figure: 2,500 · 94.57 · 6.
FIGURE = re.compile(r"\d(?:[\d,.]*\d)?")


@dataclass(frozen=True)
class Line:
    """A run of print read on a page: its text and its box in the image; and each figure in it (a
    run of digits, as read) with its own box, for a second reading."""

    text: str
    box: Box
    figures: tuple[tuple[str, Box], ...] = ()


_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uff0f\uff1a-\uff20"  # ideographs, CJK punctuation
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
# A point between a figure and the ideograph after it, the figure itself after an ideograph: the
# recogniser's reading of the space printed there (入选 2022 年 → 入选2022.年, 满分 50 分 → 满分50.分).
# A list's item number (；2.国家级, a line's 1.) follows punctuation or starts its line, and a decimal
# point has a digit after it: both are left alone.
_POINT_AFTER_FIGURE = re.compile(r"(?<=[\u4e00-\u9fff])(\d+(?:[,.]\d+)*)[.·](?=[\u4e00-\u9fff])")
# Likewise a point between Chinese and the figure after it (；10家 → ；.10家): no decimal starts with
# its point in Chinese print, and the point had hidden the figure from the report's facts.
_POINT_BEFORE_FIGURE = re.compile(f"(?<=[{_CJK}])[.·](?=\\d)")
# Brackets beside Chinese are taken as full-width: the recogniser read the （ of small print as (.
_BRACKET_BY_CJK = re.compile(f"(?<=[{_CJK}])[()]|[()](?=[{_CJK}])|^[()]|[()]$")
# A comma or point between digits is part of the figure, whichever width the recogniser gave it: read
# apart, 383,193.53 became the figures 383 and 193.53, each proven, and a fact of 193.53.
_SEPARATOR_IN_FIGURE = re.compile(r"(?<=\d)[，．](?=\d)")


# A bracket the print shows half-width, held apart from the normaliser's brackets beside Chinese.
_HALF_WIDTH = {"(": "\ue000", ")": "\ue001"}
_FROM_HELD = str.maketrans({held: bracket for bracket, held in _HALF_WIDTH.items()})
# A full-width bracket is drawn at one side of its em box: its open side stands 0.6–1.0 of the line's
# ink height from the character beside it, a half-width one 0.2–0.35 (docs/ocr-study.md).
FULL_WIDTH_GAP = 0.45


def bracket_widths(image: np.ndarray, text: str, characters: list[Box]) -> str:
    """`text` with each bracket's width as the print shows it, where the print can tell: the gap
    between the bracket's own ink (a tall, thin run of inked columns) and the character on its open
    side. The recogniser's ( or （ says little (it read the （ of 名称（资金单位） as `(`). Only a
    side facing a letter, digit or ideograph decides: a producer may close up a bracket beside
    other punctuation (`），`). A bracket the print cannot decide (its open side at the line's end)
    takes its partner's width in the line. A half-width bracket comes back held apart from the
    normaliser, which `normalised` then lets be."""
    if len(characters) != len(text) or not any(mark in "()（）" for mark in text):
        return text
    inked = image < 128
    rows = np.flatnonzero(inked.any(axis=1))
    if not rows.size:
        return text
    height = float(rows[-1] - rows[0] + 1)
    # A speck beside a bracket is not the character there (a 1-pixel dot had stood for 值).
    marks = [run for run in ink_runs(inked) if run.bottom - run.top + 1 >= 0.25 * height]
    widths: dict[int, bool] = {}  # bracket index → full-width
    for index, mark in enumerate(text):
        opening = mark in "(（"
        beside = index - 1 if opening else index + 1
        if mark not in "()（）" or not (0 <= beside < len(text) and text[beside].isalnum()):
            continue
        middle = (characters[index][0] + characters[index][2]) / 2
        own = [
            k
            for k, run in enumerate(marks)
            if abs(run.middle - middle) <= 0.5 * height
            and run.right - run.left + 1 <= 0.4 * height
            and run.bottom - run.top + 1 >= 0.6 * height
        ]
        if not own:
            continue
        k = min(own, key=lambda k: abs(marks[k].middle - middle))
        if opening and k > 0:
            widths[index] = marks[k].left - marks[k - 1].right - 1 >= FULL_WIDTH_GAP * height
        elif not opening and k + 1 < len(marks):
            widths[index] = marks[k + 1].left - marks[k].right - 1 >= FULL_WIDTH_GAP * height
    for index, partner in _bracket_pairs(text):
        if index not in widths and partner in widths:
            widths[index] = widths[partner]
    spelt = list(text)
    for index, full in widths.items():
        half = "(" if text[index] in "(（" else ")"
        spelt[index] = ("（" if half == "(" else "）") if full else _HALF_WIDTH[half]
    return "".join(spelt)


def _bracket_pairs(text: str) -> list[tuple[int, int]]:
    """Each bracket of `text` with its partner, both ways round: an opening one and the first
    closing one after it with no opening one between."""
    pairs = []
    opened: int | None = None
    for index, mark in enumerate(text):
        if mark in "(（":
            opened = index
        elif mark in ")）" and opened is not None:
            pairs += [(opened, index), (index, opened)]
            opened = None
    return pairs


# A character the recogniser reads where no ink is holds fewer inked pixels than this share of its
# box's height squared. It puts such characters in the gaps of a label printed spread across its
# cell (按 预 算 级 次 划 分 read 按、预算级·次.划分, 三 级 指 标 read 三黃级指層标); docs/performance.md
# gives the ink of both kinds.
_PHANTOM_INK = 1 / 400


def without_phantom_marks(image: np.ndarray, text: str, characters: list[Box]) -> tuple[str, list[Box]]:
    """`text` and its characters' boxes without the ideographs and punctuation the recogniser read
    over bare paper: (almost) no ink in the character's own columns, those no other character's box
    covers. Digits and letters are kept whatever their ink, and so is punctuation next to one (a
    decimal point is a few pixels), a character with too few columns of its own to tell, and a
    line's only character."""
    # A line is cut where there is ink: read as one character, that character is its ink (a 。
    # wrapped onto a line of its own), however the recogniser placed its box.
    if len(characters) != len(text) or len(text) < 2:
        return text, characters
    inked = image < 128
    width = inked.shape[1]
    # How many characters' boxes cover each column (a box may reach past the image's edges).
    covered = np.zeros(width, dtype=int)
    for x0, _, x1, _ in characters:
        covered[max(0, x0) : max(0, x1)] += 1
    phantom = set()
    for index in range(len(text)):
        if not _may_be_phantom(text, index):
            continue
        x0, y0, x1, y1 = characters[index]
        left = min(max(0, x0), width)
        columns = np.flatnonzero(covered[left : max(left, x1)] == 1) + left
        if columns.size < (y1 - y0) / 4:
            continue
        if int(inked[max(0, y0) : y1, columns].sum()) < _PHANTOM_INK * (y1 - y0) ** 2:
            phantom.add(index)
    if not phantom:
        return text, characters
    kept = [index for index in range(len(text)) if index not in phantom]
    return "".join(text[index] for index in kept), [characters[index] for index in kept]


def _may_be_phantom(text: str, index: int) -> bool:
    category = unicodedata.category(text[index])
    return category == "Lo" or (category.startswith("P") and not _beside_alphanumeric(text, index))


def _beside_alphanumeric(text: str, index: int) -> bool:
    neighbours = text[max(0, index - 1) : index] + text[index + 1 : index + 2]
    return any(near.isdigit() or (near.isascii() and near.isalpha()) for near in neighbours)


def _ascii_separator(match: re.Match[str]) -> str:
    return "," if match.group() == "，" else "."


def normalised(text: str) -> str:
    """A reading spelt as the text layer of a printed document is (`normalise_text`), with no space
    beside an ideograph or full-width punctuation: the recogniser takes the gap a full-width mark is
    drawn with for a space. Commas, colons and semicolons stay as read: the recogniser tells the
    full-width ，；： of Chinese print from the half-width ones an office sometimes types (on the
    samples' scans, every one of about 1,000), as the text layer keeps them apart; but not brackets,
    and a comma inside a figure is its thousands separator. Its 〈 〉 are brackets. A point read
    between a figure and the Chinese beside it is the space printed there."""
    text = normalise_text(text).replace("〈", "（").replace("〉", "）")
    text = _SEPARATOR_IN_FIGURE.sub(_ascii_separator, _SPACE_BY_CJK.sub("", text))
    previous = None
    while previous != text:  # （万元）: each pass may make a neighbour full-width
        previous = text
        text = _BRACKET_BY_CJK.sub(lambda match: "（" if match.group() == "(" else "）", text)
    return _POINT_BEFORE_FIGURE.sub("", _POINT_AFTER_FIGURE.sub(r"\1", text)).translate(_FROM_HELD)


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(
        # One ONNX Runtime thread per model (RapidOCR copies these two onto each of them): the
        # nightly run already keeps one parse worker per core.
        intra_op_num_threads=1,
        inter_op_num_threads=1,
        # "max": the detector takes an image as it is up to 2,000 px a side, never scaled up to
        # 736 px on its short side (a band of the page would be looked at larger than the page).
        det_limit_type="max",
        # One line at a time: a batch is padded to its widest line, and the recogniser's memory
        # grows with the batch (six lines of 1,600 px: 300 MB; one: 40 MB) for no gain in speed.
        rec_batch_num=1,
    )


def _colour(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def read_line_images(images: list[np.ndarray]) -> list[Line]:
    """Each image of one line of print read (recognition only), in one batch: its text, and each
    figure in it with its box in the image, for a second reading."""
    if not images:
        return []
    results, _ = _engine().text_rec([_colour(image) for image in images], return_word_box=True)
    lines = []
    for image, (text, _score, placing) in zip(images, results, strict=True):
        height, width = image.shape[:2]
        box = (0, 0, width, height)
        characters = [_bounds(glyph, 1.0) for glyph in _glyph_boxes(str(text), width, height, placing)]
        text, characters = without_phantom_marks(image, str(text), characters)
        spelt = normalised(bracket_widths(image, text, characters)).strip()
        lines.append(Line(spelt, box, _figures(text, box, characters)))
    return lines


def _glyph_boxes(text: str, width: int, height: int, placing: Any) -> list[list[list[float]]]:
    """The box of each character of a line image's reading, from the columns the recogniser placed
    them at. RapidOCR's `cal_rec_boxes` does the same and then maps each box from the line's crop back
    to the page it was cut from, a perspective transform per character: a line image is its own page,
    and that transform, the identity, cost more than any other step of a line but the reading."""
    if not text:
        return []
    from rapidocr_onnxruntime.cal_rec_boxes.main import CalRecBoxes

    whole = np.array([[0, 0], [width, 0], [width, height], [0, height]])
    _, boxes, _ = CalRecBoxes.cal_ocr_word_box(text, whole, placing)
    placed: list[list[list[float]]] = CalRecBoxes.adjust_box_overlap(boxes)
    return placed


# The resolution the page is looked at to find its print: at 300 dpi the detector (and the
# recogniser, which reads its crops) lost the 一 of 一、基本情况 and the （一） of （一）部门概况 that it
# found at 150, in half the time.
FINDING_DPI = 150


# The detector's memory grows with the image it looks at: about 480 MB for a whole A4 page at
# 150 dpi. It looks at the page in bands instead, each with a margin above and below wider than half
# the tallest print we read (a 22 pt title is 46 px at 150 dpi), so that every line is whole in the
# band its middle falls in, and only there is it kept.
BAND = 192
BAND_MARGIN = 64
# A mark of 2 × 2 px at FINDING_DPI (a third of a millimetre a side) is the least that is print: a
# scanner's specks and the dust a ruling line leaves behind are smaller.
SPECK = np.ones((2, 2), np.uint8)


def holds_print(band: np.ndarray) -> bool:
    """Whether `band` holds a mark darker than paper (PAPER, the recogniser's own bound) and larger
    than a speck. Most of a form's page outside its tables is blank paper, and the detector took as
    long to find nothing there as to find a line: a band without such a mark is not looked at."""
    ink = (band <= PAPER).astype(np.uint8)
    return bool(cv2.morphologyEx(ink, cv2.MORPH_OPEN, SPECK).any())


def read_print(image: np.ndarray, dpi: int) -> list[Line]:
    """Each run of print found on the page image (detection, then recognition), with its box in the
    image; top to bottom, then left to right. A line printed with a wide gap comes as two runs: the
    gap stays a gap when the characters are laid out again."""
    scale = min(1.0, FINDING_DPI / dpi)
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    lines: list[Line] = []
    for top in range(0, image.shape[0], BAND):
        seen_from = max(0, top - BAND_MARGIN)
        band = np.ascontiguousarray(image[seen_from : top + BAND + BAND_MARGIN])
        if not holds_print(band):
            continue
        found, _ = _engine()(_colour(band), use_cls=False, return_word_box=True)
        for points, text, _score, *glyphs in found or []:
            box = _bounds(points, scale, seen_from)
            middle = (box[1] + box[3]) / 2 * scale
            spelt = normalised(str(text)).strip()
            if spelt and top <= middle < top + BAND:
                characters = [_bounds(glyph, scale, seen_from) for glyph in glyphs[0]] if glyphs else []
                lines.append(Line(spelt, box, _figures(str(text), box, characters)))
    return lines


def _bounds(points: Any, scale: float, band_top: int = 0) -> Box:
    """The box of `points` (found in a band starting `band_top` down the scaled page) on the page
    image as given."""
    xs = [point[0] / scale for point in points]
    ys = [(point[1] + band_top) / scale for point in points]
    return int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1


def _figures(text: str, box: Box, characters: list[Box]) -> tuple[tuple[str, Box], ...]:
    """Each run of digits in `text` with its box: from the recogniser's box of each character when it
    gave one per character, else its share of the line's width (a wider box, never a narrower)."""
    runs: list[tuple[str, Box]] = []
    for match in FIGURE.finditer(_SEPARATOR_IN_FIGURE.sub(_ascii_separator, text)):
        start, end = match.span()
        if len(characters) == len(text):
            x0, y0, x1, y1 = zip(*characters[start:end], strict=True)
            runs.append((match.group(), (min(x0), min(y0), max(x1), max(y1))))
        else:
            left, top, right, bottom = box
            step = (right - left) / max(1, len(text))
            runs.append(
                (match.group(), (int(left + (start - 1) * step), top, int(left + (end + 1) * step), bottom))
            )
    return tuple(runs)

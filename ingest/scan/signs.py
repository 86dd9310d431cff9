"""A comparison sign printed alone in a cell (a self-evaluation table's 指标性质 column: ≥, ≤, =, >,
<), read from its strokes.

The recogniser reads such a sign well beside figures (≥90%), but alone, scaled up to a line's
height, it took a ≥ for V or M, a = for 二 or a dash, and Tesseract fared no better. The signs are
few and their strokes simple: a chevron (> or <), a bar under one (≥, ≤; slanted as in ⩾ or
level) or two (≧, ≦), two level bars of one length (=). Anything else, a digit or an ideograph, is
no sign, and is read as any other print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ingest.scan.image import PAPER, least_print

# The largest a sign is printed, as a share of an inch: a 24 pt sign is about a third of an inch.
LARGEST = 1 / 3
# A chevron's arms end in its outer rows (a sixth or so), its point stands in the middle rows.
ENDS = 0.15
Shape = Literal[">", "<", "bar"]


def comparison_sign(crop: np.ndarray, dpi: int) -> str | None:
    """The sign `crop` (a cell's print, `image.cell_print`) holds and nothing else, or None."""
    if max(crop.shape) > LARGEST * dpi:
        return None
    strokes = _strokes(crop, dpi)
    if not 1 <= len(strokes) <= 3:
        return None
    shapes = [_shape(stroke) for stroke in strokes]
    if len(strokes) == 1:
        return shapes[0] if shapes[0] in (">", "<") else None
    if len(strokes) == 3:
        # ≧ and ≦, the ≥ and ≤ of some CJK faces: two level bars of an = under the chevron.
        chevron, first_bar, second_bar = strokes
        pair = shapes[1:] == ["bar", "bar"] and _level_pair(first_bar, second_bar)
        if shapes[0] in (">", "<") and pair and _bar_under_chevron(chevron, first_bar):
            return "≥" if shapes[0] == ">" else "≤"
        return None
    (upper, lower), (top, bottom) = shapes, strokes
    if upper in (">", "<") and lower == "bar" and _bar_under_chevron(top, bottom):
        return "≥" if upper == ">" else "≤"
    if upper == lower == "bar" and _level_pair(top, bottom):
        return "="
    return None


@dataclass(frozen=True)
class Stroke:
    """One connected mark of the sign: its ink, and where its box lies in the crop."""

    ink: np.ndarray
    left: int
    top: int

    @property
    def height(self) -> int:
        return int(self.ink.shape[0])

    @property
    def width(self) -> int:
        return int(self.ink.shape[1])

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


def _strokes(crop: np.ndarray, dpi: int) -> list[Stroke]:
    """The crop's marks, top to bottom; specks smaller than a full stop left out."""
    threshold, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (crop <= min(threshold, PAPER)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    smallest = least_print(dpi)
    strokes = []
    for label in range(1, count):
        left, top, width, height, area = stats[label]
        if area >= smallest:
            strokes.append(
                Stroke(labels[top : top + height, left : left + width] == label, int(left), int(top))
            )
    return sorted(strokes, key=lambda stroke: stroke.top)


def _runs(column: np.ndarray) -> int:
    """How many separate runs of ink a column of a stroke holds."""
    return int(column[0]) + int(np.count_nonzero(column[1:] & ~column[:-1]))


def _shape(stroke: Stroke) -> Shape | None:
    """A chevron pointing right (>) or left (<), a bar (`_is_bar`), or neither."""
    ink = stroke.ink
    runs = np.array([_runs(ink[:, x]) for x in range(stroke.width)])
    thickness = float(np.median(ink.sum(axis=0) / np.maximum(runs, 1)))
    if _is_bar(ink, runs, thickness):
        return "bar"
    if stroke.height < 3 * thickness or stroke.width < 3 * thickness:
        return None
    # The middle of each row's ink, from 0 (left) to 1 (right).
    rows = np.flatnonzero(ink.any(axis=1))
    middles = np.array([np.flatnonzero(ink[row]).mean() for row in rows]) / max(1, stroke.width - 1)
    end = max(1, round(ENDS * len(rows)))
    arms, point = np.r_[middles[:end], middles[-end:]], middles[end:-end]
    if not point.size:
        return None
    pointing: Shape = ">" if point.mean() > arms.mean() else "<"
    # A chevron's arms run apart from its point: two runs in the columns of its open half.
    half = stroke.width // 2
    open_half = runs[:half] if pointing == ">" else runs[stroke.width - half :]
    if np.count_nonzero(open_half == 2) < 0.6 * open_half.size:
        return None
    if pointing == ">" and arms.max() < 0.35 and point.max() > 0.65:
        return ">"
    if pointing == "<" and arms.min() > 0.65 and point.min() < 0.35:
        return "<"
    return None


def _is_bar(ink: np.ndarray, runs: np.ndarray, thickness: float) -> bool:
    """A straight stroke, level or slanted: one run of ink in (nearly) every column, the runs'
    middles on a line, as long as four times its thickness. A scanner's speck touching it may
    split a column or two."""
    width = ink.shape[1]
    if width < 4 * thickness or np.count_nonzero(runs == 1) < 0.9 * width:
        return False
    columns = np.arange(width)
    middles = np.array([np.flatnonzero(ink[:, x]).mean() for x in columns])
    slope, offset = np.polyfit(columns, middles, 1)
    return bool(np.abs(middles - (slope * columns + offset)).max() <= thickness)


def _bar_under_chevron(chevron: Stroke, bar: Stroke) -> bool:
    """A ≥'s bar: below the chevron's point, across most of its width."""
    middle = chevron.top + chevron.height / 2
    across = min(chevron.right, bar.right) - max(chevron.left, bar.left)
    return bar.top + bar.height / 2 > middle and across >= 0.6 * chevron.width


def _level_pair(upper: Stroke, lower: Stroke) -> bool:
    """Two bars of an =: level, of one length, one straight above the other, closer than they are
    long (二's upper stroke is the shorter, and further from the lower)."""
    level = all(stroke.height * 3 <= stroke.width for stroke in (upper, lower))
    same_length = min(upper.width, lower.width) >= 0.9 * max(upper.width, lower.width)
    aligned = abs(upper.left - lower.left) <= 0.1 * max(upper.width, lower.width)
    close = lower.top - upper.bottom < 0.6 * min(upper.width, lower.width)
    return bool(level and same_length and aligned and close)

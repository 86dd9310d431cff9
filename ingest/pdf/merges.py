"""Labels of merged cells that a page break cut in two.

A spreadsheet prints the text of a vertically merged cell (一级指标, 二级指标, a block label in
column A) once, centred on the whole merged range. When a page break falls inside the range, each
page shows only part of it: the text lands on one page only, or outside the ruled area (above the
table's first row, below its last, even past the page edge), and pdfplumber finds no closed cell
around it. Such a word is given back to the first row of the merged part it belongs to, so the
parser sees the label where a merge starts, exactly as for an intact merge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ingest.pdf.text import unwrap

BBox = tuple[float, float, float, float]
_PAGE_NUMBER = re.compile(r"^[\s—–\-第页共/\d]+$")


def _inside(x: float, y: float, box: BBox) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _slot_edges(cells: Sequence[Sequence[BBox | None]]) -> list[float]:
    """The x where each grid slot starts, plus the table's right edge."""
    width = max(len(row) for row in cells)
    starts = [
        min((box[0] for row in cells if i < len(row) and (box := row[i]) is not None), default=None)
        for i in range(width)
    ]
    right = max(box[2] for row in cells for box in row if box)
    edges: list[float] = []
    for index, start in enumerate(starts):
        edges.append(start if start is not None else (edges[-1] if edges else 0.0))
        if index == len(starts) - 1:
            edges.append(right)
    return edges


def _covered(cells: Sequence[Sequence[BBox | None]], x: float, top: float, bottom: float) -> bool:
    """A real cell spans this point: the empty slot belongs to an intact merge (across or down)."""
    middle = (top + bottom) / 2
    return any(box is not None and _inside(x, middle, box) for row in cells for box in row)


def restore_split_labels(
    cells: list[list[BBox | None]], texts: list[list[str | None]], words: Sequence[dict[str, Any]]
) -> None:
    """Put each stray word into the first row of the vertical merge it belongs to (in place)."""
    if not cells:
        return
    edges = _slot_edges(cells)
    tops = [min(box[1] for box in row if box) for row in cells]
    bottoms = [max(box[3] for box in row if box) for row in cells]
    found: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for word in words:
        x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        if not edges[0] <= x <= edges[-1] or _PAGE_NUMBER.match(word["text"]):
            continue
        if any(box and _inside(x, y, box) for row in cells for box in row):
            continue  # inside a real cell: already in that cell's text
        slot = max(i for i in range(len(edges) - 1) if edges[i] <= x)
        row = (
            0
            if y < tops[0]
            else len(cells) - 1
            if y > bottoms[-1]
            else next((r for r in range(len(cells)) if tops[r] <= y <= bottoms[r]), None)
        )
        if row is None or slot >= len(cells[row]) or cells[row][slot] is not None:
            continue
        if _covered(cells, x, tops[row], bottoms[row]):
            continue
        while row > 0 and slot < len(cells[row - 1]) and cells[row - 1][slot] is None:
            if _covered(cells, x, tops[row - 1], bottoms[row - 1]):
                break
            row -= 1
        found.setdefault((row, slot), []).append(word)
    for (row, slot), pieces in found.items():
        pieces.sort(key=lambda w: (round(w["top"]), w["x0"]))
        texts[row][slot] = unwrap("\n".join(piece["text"] for piece in pieces))
        cells[row][slot] = (edges[slot], tops[row], edges[slot + 1], bottoms[row])

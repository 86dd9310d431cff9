"""Matching a row's cells to the columns of a header row by horizontal position.

Within one document every page prints the same spreadsheet columns, but pdfplumber's grid differs
from page to page (merged cells add or hide vertical rules), so cell indexes are not comparable.
The x-extent of each header cell is: a data cell belongs to the header column its centre falls in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash

_JITTER = 2.0  # points


@dataclass(frozen=True)
class Columns:
    """Field name → (x0, x1) of its header cell."""

    spans: Mapping[str, tuple[float, float]]

    def split(self, row: TableRow) -> dict[str, str]:
        """The row's text per field found in the header ('' where nothing was printed); covered
        slots are skipped.

        A cell goes to the header column it overlaps most (the leftmost on a tie), so a cell
        spanning two columns, such as 总分's score across 得分 and 合计, lands in the first.
        """
        values = dict.fromkeys(self.spans, "")
        for text, box in zip(row.cells, row.boxes, strict=False):
            if box is None or not text:
                continue
            overlaps = {field: min(box[2], x1) - max(box[0], x0) for field, (x0, x1) in self.spans.items()}
            best = max(overlaps.values())
            if best <= _JITTER:
                continue  # a neighbour's cell touching the column's ruling, not under it
            # Rulings are drawn with a little jitter: overlaps within a couple of points are equal.
            field = next(name for name, overlap in overlaps.items() if overlap >= best - _JITTER)
            values[field] = f"{values[field]}{text}"
        return values


def header_columns(
    row: TableRow, labels: Mapping[str, str], *, optional: Collection[str] = ()
) -> Columns | None:
    """Read a header row: `labels` maps a printed label's start (e.g. '拟投入的资金') to a field.

    Several spellings may name one field (指标值 and 年度指标值 both name the annual target); a cell
    takes the longest label it starts with, so 指标值说明 is never read as 指标值. Returns None unless
    every field but the `optional` ones is found, so a data row is never mistaken for a header.

    A cell no label starts may still name a field no other cell named, by a label of four characters
    or more that it starts with but for one character, and no other such field: OCR read the thin
    一 of 一级指标 as ~, and 二级指标 beside it was read right. When OCR lost the numeral of every level
    (一级指标 | 二级指标 | 三级指标 read `~级指标 | 级指标 | 级指标`), each cell names every level alike:
    as many such cells as levels take the levels in their numerals' order, left to right
    (`_numbered_levels`); one cell that lost its numeral takes the one level no other cell named.
    """
    by_length = sorted(labels, key=len, reverse=True)
    spans: dict[str, tuple[float, float]] = {}
    unmatched: list[tuple[str, tuple[float, float]]] = []
    for text, box in zip(row.cells, row.boxes, strict=False):
        if box is None or not text:
            continue
        printed = squash(text)
        label = next((label for label in by_length if printed.startswith(label)), None)
        if label is None or labels[label] in spans:
            # A second cell naming a field already named is a misreading of another (三级指标 read
            # 二级指标 on a fax page): it is read as a cell no label starts.
            unmatched.append((printed, (box[0], box[2])))
        else:
            spans[labels[label]] = (box[0], box[2])
    alike: list[tuple[tuple[float, float], frozenset[str]]] = []
    for printed, span in unmatched:
        fields = {
            labels[label]
            for label in by_length
            if len(label) >= _FUZZY_LENGTH and labels[label] not in spans and _one_off(printed, label)
        }
        if len(fields) == 1:
            spans[fields.pop()] = span
        elif levels := _numbered_levels(printed, [label for label in labels if labels[label] not in spans]):
            alike.append((span, frozenset(levels)))
    spans.update(_levels_in_order(alike, labels))
    required = set(labels.values()) - set(optional)
    missing = required - spans.keys()
    left = [(printed, span) for printed, span in unmatched if span not in spans.values()]
    if len(missing) == 1 and len(left) == 1:
        (field,), ((printed, span),) = missing, left
        if any(_all_but_one(printed, label) for label in labels if labels[label] == field):
            spans[field] = span
    if not required <= spans.keys() or not _levels_left_to_right(spans, labels):
        return None
    return Columns(spans)


def _levels_left_to_right(spans: Mapping[str, tuple[float, float]], labels: Mapping[str, str]) -> bool:
    """Whether the numbered levels found (一级指标, 二级指标, 三级指标) stand in their numerals'
    order, left to right, as every header prints them: a cell taken for a level by one character
    (`_one_off`) must not put a level before a lower one."""
    levels = {labels[label]: _NUMERALS.index(label[0]) for label in labels if label[:1] in _NUMERALS}
    found = sorted((numeral, spans[field][0]) for field, numeral in levels.items() if field in spans)
    return all(left < right for (_, left), (_, right) in pairwise(found))


_FUZZY_LENGTH = 4
# The numerals of a header's levels (一级指标, 二级指标, 三级指标), in their order.
_NUMERALS = "一二三四五"


def _numbered_levels(printed: str, labels: Iterable[str]) -> list[str]:
    """The labels of numbered levels (of those no other cell named) that `printed` starts with but
    for the numeral, read as another character or lost."""
    return [
        label
        for label in labels
        if len(label) >= _FUZZY_LENGTH
        and label[0] in _NUMERALS
        and (printed.startswith(label[1:]) or printed[1:].startswith(label[1:]))
    ]


def _levels_in_order(
    alike: Sequence[tuple[tuple[float, float], frozenset[str]]], labels: Mapping[str, str]
) -> dict[str, tuple[float, float]]:
    """Cells that each could be any of the same numbered levels, as many cells as levels: each level
    to its cell, the levels' numerals in order left to right. Anything else stays unread."""
    if not alike or len({levels for _, levels in alike}) != 1 or len(alike) != len(alike[0][1]):
        return {}
    levels = sorted(alike[0][1], key=lambda label: _NUMERALS.index(label[0]))
    fields = [labels[label] for label in levels]
    if len(set(fields)) != len(fields):
        return {}
    return dict(zip(fields, (span for span, _ in sorted(alike)), strict=True))


def _all_but_one(printed: str, label: str) -> bool:
    """Whether `printed` starts with `label`'s first character and holds all its characters but
    one, in order, within one character more than the label: the one header cell left unnamed
    beside the one field no cell named, where a seal's ring cut a character in two (财政拨款 read
    财政：发款)."""
    if len(label) < _FUZZY_LENGTH or not printed.startswith(label[0]):
        return False
    start = printed[: len(label) + 1]
    # The longest common subsequence of the two, row by row.
    longest = [0] * (len(label) + 1)
    for character in start:
        previous = 0
        for index, wanted in enumerate(label, start=1):
            previous, longest[index] = (
                longest[index],
                previous + 1 if character == wanted else max(longest[index], longest[index - 1]),
            )
    return longest[-1] >= len(label) - 1


def _one_off(printed: str, label: str) -> bool:
    """Whether `printed` starts with `label` but for one character in its place."""
    start = printed[: len(label)]
    return len(start) == len(label) and sum(a != b for a, b in zip(start, label, strict=True)) == 1


def under_header(
    rows: Iterable[TableRow], labels: Mapping[str, str], *, optional: Collection[str] = ()
) -> Iterator[tuple[TableRow, dict[str, str]]]:
    """The data rows below a header row, each split into its fields.

    A header printed again (print titles, a new page) is read again, since the page's grid may
    differ; pages that do not repeat it keep the last columns. Rows before the first header are
    not part of the table and are skipped.
    """
    columns: Columns | None = None
    for row in rows:
        header = header_columns(row, labels, optional=optional)
        if header is not None:
            columns = header
        elif columns is not None:
            yield row, columns.split(row)


def _printed_text(row: TableRow) -> tuple[str, ...]:
    return tuple(squash(cell) for cell in row.cells if squash(cell))


def page_top_repeats(rows: Sequence[TableRow], is_header: Callable[[TableRow], bool]) -> set[int]:
    """The positions of header rows that a page prints at its top again, as printed before: a
    browser's <thead>, print titles, a 续表 header an office typed. The rows at the top of a page,
    down to the first that is no header or is new, that repeat an earlier row word for word."""
    seen: set[tuple[str, ...]] = set()
    repeats: set[int] = set()
    page: int | None = None
    at_top = False
    for position, row in enumerate(rows):
        if row.page != page:
            page, at_top = row.page, True
        text = _printed_text(row)
        if at_top and text and text in seen and is_header(row):
            repeats.add(position)
        else:
            at_top = False
        seen.add(text)
    return repeats


# A row that says only that the table goes on: 续表, 续表2, 续上表, 接上表.
_CONTINUATION_MARK = re.compile(
    r"^[（(]?(?:续表|续上表|接上表|上接表)[\d一二三四五六七八九十]*[)）]?(?:[（(]续[)）])?[:：]?$"
)


def is_continuation_mark(row: TableRow) -> bool:
    """A 续表 row an office typed above a repeated header: part of no block, no record."""
    return bool(_CONTINUATION_MARK.match("".join(_printed_text(row))))

"""Amounts of a scan that OCR's readings did not agree on, settled by the document's own identities.

A number cell whose readings did not agree holds UNPROVEN and what each engine read
(`ingest/scan/page.py`): `⁇3,600.C0/3,600.00/3,600.60`. A seal's ring that cut a stroke out of a
digit leaves the engines split between the printed amount and a misreading, and the document's
identities (`ingest/proof.py`), which add its amounts up to the cent, can tell which reading is the
print. An amount is settled, and the document lands, only when:
- exactly one choice among the cells' readings makes the whole document pass its proof, every
  identity exactly and every target proven; and
- every cell chosen for is held by an identity: the document with that cell's amount one 万元 more
  fails its proof. A cell no identity holds is settled by nothing but its readings, which did not
  agree.

A digit is then read by at least one engine and the identity agrees with it to the cent: two
sources, as for an amount read alike. Anything else is refused as before, naming the first
unproven cell; a document with more unproven cells than `MOST_CELLS`, or more choices than
`MOST_CHOICES`, is not tried.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal

from ingest.amounts import as_printed, parse_amount
from ingest.errors import DocumentError
from ingest.pdf.reader import TableRow
from ingest.records import ParsedDocument
from ingest.scan import UNPROVEN

MOST_CELLS = 4
MOST_CHOICES = 256
# Between an unproven cell's readings (`ingest/scan/page.py`).
READINGS_SEPARATOR = "/"

# Where an unproven number cell is: its row's index among the rows, its cell's index in the row.
Place = tuple[int, int]


def readings_of(cell: str) -> list[str] | None:
    """The amounts an unproven number cell's readings give, each once, spelt with their thousands
    separators where a reading of it had them (`as_printed`); None for any other cell. Of two
    readings of one amount the one with more decimals is the print's: 1,150.0 is 1,150.00 with its
    last 0 lost."""
    if not cell.startswith(UNPROVEN):
        return None
    fullest: dict[Decimal, Decimal] = {}
    separated: set[Decimal] = set()
    for reading in cell[len(UNPROVEN) :].split(READINGS_SEPARATOR):
        spelt = as_printed(reading)
        try:
            value = parse_amount(spelt)
        except ValueError:
            continue  # no amount, or one no parser takes (more decimals than a raw table keeps)
        if value not in fullest or _decimals(value) > _decimals(fullest[value]):
            fullest[value] = value
        if "," in spelt:
            separated.add(value)
    return [f"{value:,}" if key in separated else str(value) for key, value in fullest.items()]


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) else 0


def _with(rows: Sequence[TableRow], choice: dict[Place, str]) -> list[TableRow]:
    chosen = list(rows)
    for (row, cell), amount in choice.items():
        cells = list(chosen[row].cells)
        cells[cell] = amount
        chosen[row] = dataclasses.replace(chosen[row], cells=tuple(cells))
    return chosen


def _one_more(amount: str) -> str:
    """The amount one 万元 more, spelt as it is (with or without separators)."""
    more = parse_amount(amount) + 1
    return f"{more:,}" if "," in amount else str(more)


def settle(
    rows: Sequence[TableRow], proven: Callable[[list[TableRow]], ParsedDocument]
) -> ParsedDocument | None:
    """The document `proven` reads from `rows` with its unproven amounts settled by its identities;
    None when they do not settle them. `proven` raises a DocumentError for any document that does
    not pass its proof."""
    # An unproven cell no reading of which is an amount (a target's figure, ink read as nothing)
    # offers nothing to choose: it fails the proof, or the parsers take no amount from it.
    cells = {
        (row_index, cell_index): readings
        for row_index, row in enumerate(rows)
        for cell_index, cell in enumerate(row.cells)
        if (readings := readings_of(cell))
    }
    choices = 1
    for readings in cells.values():
        choices *= len(readings)
    if not cells or len(cells) > MOST_CELLS or choices > MOST_CHOICES:
        return None
    passed: list[tuple[dict[Place, str], ParsedDocument]] = []
    for amounts in itertools.product(*cells.values()):
        choice = dict(zip(cells, amounts, strict=True))
        try:
            passed.append((choice, proven(_with(rows, choice))))
        except DocumentError:
            continue
    if len(passed) != 1:
        return None
    choice, document = passed[0]
    for place, amount in choice.items():
        try:
            proven(_with(rows, {**choice, place: _one_more(amount)}))
        except DocumentError:
            continue
        return None  # no identity holds this cell
    return document

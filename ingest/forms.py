"""部门整体预算绩效目标申报表 → records. Read by labels, never by position on the page."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

from ingest.amounts import is_amount, parse_amount
from ingest.errors import MissingSection
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.records import BudgetLine

DEPARTMENT_LABEL = "部门名称"
BUDGET_SECTION = "预算整体情况"
# Column-A labels that open a block. A row whose first cell holds one of these ends the block
# before it; an empty first cell continues it (merged cells print once).
SECTION_LABELS = (
    "部门名称",
    "基本信息",
    "预算整体情况",
    "总体绩效目标",
    "年度重点工作任务",
    "其他需完成的任务",
    "绩效指标",
)


def section_of(row: TableRow) -> str | None:
    """The block label in the row's first cell, if it opens (or repeats) one."""
    first = squash(row.cells[0]) if row.cells else ""
    for label in SECTION_LABELS:
        if first.startswith(label):
            return label
    return None


def rows_of_section(rows: Iterable[TableRow], section: str) -> Iterator[TableRow]:
    current: str | None = None
    for row in rows:
        current = section_of(row) or current
        if current == section:
            yield row


def department_name(rows: Iterable[TableRow], path: Path) -> str:
    for row in rows:
        if section_of(row) == DEPARTMENT_LABEL:
            values = row.filled()[1:]
            if values:
                return values[0]
    raise MissingSection(path, f"no {DEPARTMENT_LABEL} row in the form")


def budget_lines(rows: Iterable[TableRow], path: Path) -> list[BudgetLine]:
    """Every label/amount pair of 预算整体情况, left pair before right pair, row after row.

    Header rows (部门预算支出 | 预算金额（万元） …) pair a label with another label, so they
    produce nothing; that is what keeps this independent of how many header rows a form prints.
    """
    lines: list[BudgetLine] = []
    for row in rows_of_section(rows, BUDGET_SECTION):
        cells = row.filled()
        if section_of(row) == BUDGET_SECTION:
            cells = cells[1:]
        for label, value in pairwise(cells):
            if is_amount(label) or not is_amount(value):
                continue
            lines.append(
                BudgetLine(
                    section=BUDGET_SECTION,
                    label=label,
                    amount_wan_yuan=parse_amount(value),
                    amount_text=value,
                    page=row.page,
                    row=row.row,
                )
            )
    if not lines:
        raise MissingSection(path, f"no amounts found in the {BUDGET_SECTION} block")
    return lines

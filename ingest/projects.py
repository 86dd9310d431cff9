"""项目支出绩效目标表 → records: the unit total row and one record per funded project."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ingest.amounts import parse_optional_amount
from ingest.errors import BadAmount, MissingSection
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.records import BudgetLine, Project

UNIT_TOTAL_SECTION = "单位合计"
_DEPARTMENT = re.compile(r"部门名称[:：]\s*(\S+)")

# Header label (whitespace removed) → record field. Found by label on every page, so column
# order, extra columns and repeated print-title headers do not matter.
_AMOUNT_COLUMNS = {
    "总计": "total",
    "财政拨款": "fiscal",
    "财政专户拨款": "special_account",
    "其他资金": "other",
}
_NAME_HEADER = "项目名称"


@dataclass(frozen=True)
class _Columns:
    name: int
    amounts: dict[str, int]


def department_name(first_page_text: str, path: Path) -> str:
    match = _DEPARTMENT.search(first_page_text)
    if not match:
        raise MissingSection(path, "no 部门名称： line above the table")
    return match.group(1)


def _header_columns(row: TableRow) -> _Columns | None:
    labels = [squash(cell) for cell in row.cells]
    if not labels or not labels[0].startswith(_NAME_HEADER):
        return None
    amounts = {field: labels.index(label) for label, field in _AMOUNT_COLUMNS.items() if label in labels}
    return _Columns(name=0, amounts=amounts)


def _amounts(row: TableRow, columns: _Columns, path: Path) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {}
    for field in _AMOUNT_COLUMNS.values():
        index = columns.amounts.get(field)
        text = row.cells[index] if index is not None and index < len(row.cells) else ""
        try:
            values[field] = parse_optional_amount(text)
        except ValueError as exc:
            raise BadAmount(path, f"page {row.page} row {row.row}: {field} cell {exc}") from exc
    return values


def parse_rows(
    rows: Sequence[TableRow], department: str, path: Path
) -> tuple[list[BudgetLine], list[Project]]:
    """Split the table into the unit total row (as budget lines) and the project rows."""
    columns: _Columns | None = None
    unit_total: list[BudgetLine] = []
    projects: list[Project] = []
    for row in rows:
        header = _header_columns(row)
        if header is not None:
            columns = header
            continue
        if columns is None:
            continue
        name = row.cells[columns.name]
        amounts = _amounts(row, columns, path)
        if not name or all(value is None for value in amounts.values()):
            # Continuation of a tall row split by a page break: text only, no new project.
            continue
        if squash(name) == squash(department):
            for label, field in _AMOUNT_COLUMNS.items():
                value = amounts[field]
                if value is not None:
                    unit_total.append(
                        BudgetLine(
                            section=UNIT_TOTAL_SECTION,
                            label=label,
                            amount_wan_yuan=value,
                            amount_text=row.cells[columns.amounts[field]],
                            page=row.page,
                            row=row.row,
                        )
                    )
            continue
        projects.append(Project(name=name, page=row.page, row=row.row, **amounts))
    if columns is None:
        raise MissingSection(path, "no header row starting with 项目名称 in any table")
    if not projects:
        raise MissingSection(path, "the project table has no project rows")
    return unit_total, projects

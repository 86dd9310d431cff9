"""项目支出绩效目标表 → records: the unit total row and one record per funded project.

Columns are found by their header labels on every page (the header repeats as a print title), so
column order, extra columns and a page's own grid do not matter. A row with no 项目名称 and no
amounts continues the project above: a tall row cut by a page break.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from ingest.amounts import parse_optional_amount
from ingest.budget import UNIT_TOTAL_SECTION, identity, line_amounts, lines_in, project_amounts
from ingest.errors import BadAmount, IncompleteDocument, MissingSection, MultipleDocuments
from ingest.families import dept_target_form
from ingest.families.family import Family, Pages, Reading
from ingest.measures import normalise_target
from ingest.pdf.columns import header_columns, under_header
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.proof import rounding_tolerance
from ingest.records import BudgetLine, DocType, Project, ProjectIndicator

# The unit total row is named after the department (广州市科学技术局（本级）) or, in other
# templates, as a total.
UNIT_TOTAL_NAMES = ("合计", "总计", "单位合计", "部门合计")
# The name on the label's own line: a blank one must not take the line below (单位：万元).
_DEPARTMENT = re.compile(r"部门名称[ \t\u3000]*[:：][ \t\u3000]*(\S*)")

# The amount columns: the lines of the 单位合计 row in the seed budget_lines, each named as the
# project records' field (total: 总计, fiscal: 财政拨款 …).
AMOUNT_LABELS = {line.code: line.label for line in lines_in(UNIT_TOTAL_SECTION)}
AMOUNT_FIELDS = tuple(AMOUNT_LABELS)
# Printed header label (its start, whitespace removed) → field.
HEADER = {
    "项目名称": "name",
    **{label: field for field, label in AMOUNT_LABELS.items()},
    "绩效目标": "goal",
    "绩效指标": "indicators",
}

# 企业创新计划-TCL华星光电T9项目（黄埔区）: the unit that uses the funds, in trailing parentheses.
_UNIT = re.compile(r"[（(]([^（）()]{1,20}?(?:区|市|县|镇|街道))[）)]\s*$")
# One item of the 绩效指标 cell starts with its number and its 一级指标: "2、效益指标：".
_ITEM = re.compile(
    r"(?P<number>\d+)\s*[、.．]\s*(?P<level1>产出指标|效益指标|满意度指标|成本指标)\s*[:：]\s*"
)
_TARGET = re.compile(r"\s*[,，]?\s*年度指标值\s*[:：]\s*")


def department_name(first_page_text: str) -> str:
    match = _DEPARTMENT.search(first_page_text)
    if not match:
        raise MissingSection("no 部门名称： line above the table")
    if not match.group(1):
        raise MissingSection("the 部门名称： line above the table names no department")
    return match.group(1)


def fund_user(name: str) -> str | None:
    match = _UNIT.search(name)
    return match.group(1) if match else None


def split_indicators(cell: str) -> tuple[ProjectIndicator, ...]:
    """'1、产出指标：A，年度指标值：≥ 150 。2、效益指标：B，年度指标值：进一步提高。' → two items."""
    starts = [match for match in _ITEM.finditer(cell) if match.start() == 0 or _follows_item_end(cell, match)]
    if not starts:
        return ()  # a blank cell, or one that points elsewhere (见附件): no indicator printed here
    items = []
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        body = cell[match.end() : following.start() if following else len(cell)].strip()
        name, target = _split_target(body)
        items.append(
            ProjectIndicator(
                number=int(match.group("number")),
                level1=match.group("level1"),
                name=name,
                annual_target=normalise_target(target.rstrip("。. ")),
                text=cell[match.start() : following.start() if following else len(cell)].strip(),
            )
        )
    return tuple(items)


def _follows_item_end(cell: str, match: re.Match[str]) -> bool:
    # A new item follows the end of the previous one (。 or ；), never the middle of a sentence.
    before = cell[: match.start()].rstrip()
    return before.endswith(("。", "；", ";", ".", "）"))


def _split_target(body: str) -> tuple[str, str]:
    """(name, target) around '，年度指标值：'; an item without it is all name."""
    parts = _TARGET.split(body, maxsplit=1)
    return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (body.strip(), "")


def _amounts(values: dict[str, str], row: TableRow) -> dict[str, Decimal | None]:
    amounts: dict[str, Decimal | None] = {}
    for field in AMOUNT_FIELDS:
        try:
            amounts[field] = parse_optional_amount(values[field])
        except ValueError as exc:
            raise BadAmount(f"page {row.page} row {row.row}: {AMOUNT_LABELS[field]} {exc}") from exc
    return amounts


def _row_amount(amounts: dict[str, Decimal]) -> Decimal | None:
    """A row's 总计 as printed; where it is blank, the sum of the sources the row prints (check 4a's
    sides: a blank 总计 says nothing about the row's money, it is not 0); None when the row prints no
    amount."""
    total, sources = identity("project_row_total").sides(amounts)
    return total if total is not None else sources


def _check_complete(unit_total: Sequence[BudgetLine], projects: Sequence[Project], department: str) -> None:
    """The table's own evidence that rows are missing: no 单位合计 row to add them up to (the row
    named after the department, its amounts blank), or project rows whose 总计 fall short of it by
    more than rounding (check 4b's: a page lost, a damaged content stream). Rows adding up to more
    are left to reconciliation (check 4b): nothing is missing then, something is misprinted."""
    expected = _row_amount(line_amounts(unit_total))
    if expected is None:
        raise MissingSection(
            f"no {UNIT_TOTAL_SECTION} row (named {department} or 合计) with an amount to add up to",
        )
    rows = [amount for project in projects if (amount := _row_amount(project_amounts(project))) is not None]
    added = sum(rows, Decimal(0))
    if expected - added > rounding_tolerance(len(rows)):
        page = unit_total[0].page
        raise IncompleteDocument(
            f"the {len(projects)} project rows add up to {added} 万元, short of the printed "
            f"{UNIT_TOTAL_SECTION} {expected} (page {page}) by {expected - added}: project rows are "
            "missing (a page lost?)",
        )


def parse_rows(rows: Sequence[TableRow], department: str) -> tuple[list[BudgetLine], list[Project]]:
    """Split the table into the unit total row (as budget lines) and the project rows."""
    if not any(header_columns(row, HEADER) for row in rows):
        raise MissingSection("no header row (项目名称 | 总计 | 财政拨款 … | 绩效指标) in any table")
    unit_total: list[BudgetLine] = []
    projects: list[Project] = []
    texts: list[tuple[str, str]] = []  # (goal, indicators) text per project, joined across pages
    for row, values in under_header(rows, HEADER):
        amounts = _amounts(values, row)
        has_amount = any(value is not None for value in amounts.values())
        if not values["name"] and not has_amount:
            if projects and (values["goal"] or values["indicators"]):
                goal, indicators = texts[-1]
                texts[-1] = (goal + values["goal"], indicators + values["indicators"])
                last = projects[-1]
                if row.page not in last.pages:
                    projects[-1] = replace(last, pages=(*last.pages, row.page))
            continue
        if not has_amount and _DEPARTMENT.match(squash(values["name"])):
            continue  # the 部门名称： line printed again inside the table with a repeated header
        if not values["name"]:
            raise IncompleteDocument(
                f"page {row.page} row {row.row}: a project row with amounts but no 项目名称"
            )
        if squash(values["name"]) in (squash(department), *UNIT_TOTAL_NAMES):
            unit_total.extend(
                BudgetLine(
                    section=UNIT_TOTAL_SECTION,
                    label=AMOUNT_LABELS[field],
                    amount_wan_yuan=value,
                    amount_text=values[field],
                    page=row.page,
                    row=row.row,
                )
                for field, value in amounts.items()
                if value is not None
            )
            continue
        projects.append(
            Project(
                name=values["name"],
                unit=fund_user(values["name"]),
                goal="",
                indicators=(),
                pages=(row.page,),
                row=row.row,
                **amounts,
            )
        )
        texts.append((values["goal"], values["indicators"]))
    if not projects:
        raise MissingSection("the project table has no project rows")
    projects = [
        replace(project, goal=goal, indicators=split_indicators(indicators))
        for project, (goal, indicators) in zip(projects, texts, strict=True)
    ]
    return unit_total, projects


SECTIONS = ("budget_lines", "projects")


def read(pages: Pages) -> Reading:
    department = department_name(pages.first_page)
    unit_total, projects = parse_rows(pages.rows, department)
    return Reading(department, SECTIONS, {"budget_lines": unit_total, "projects": projects})


def complete(reading: Reading) -> None:
    _check_complete(reading.records["budget_lines"], reading.records["projects"], reading.department)


def one_document(pages: Pages) -> None:
    """A project table may head its first column 单位名称: only a form's 预算整体情况 block after
    the table tells a second document."""
    budget = next(
        (row for row in pages.rows if dept_target_form.section_of(row) == dept_target_form.BUDGET), None
    )
    if budget is not None:
        raise MultipleDocuments(f"page {budget.page}: a form's {dept_target_form.BUDGET} follows the table")
    dept_target_form.one_department(dept_target_form.as_read(pages))


FAMILY = Family(
    doc_type=DocType.PROJECT_TARGET_TABLE,
    name_zh="项目支出绩效目标(申报)表",
    title=re.compile(r"项目支出绩效目标(?:申报)?表"),
    read=read,
    sections=SECTIONS,
    one_document=one_document,
    complete=complete,
)

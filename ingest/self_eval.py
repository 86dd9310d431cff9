"""部门整体支出绩效自评报告 → records: who, which year, the score table, the figures stated in prose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from ingest.amounts import parse_optional_amount
from ingest.errors import BadAmount, MissingSection
from ingest.pdf.columns import under_header
from ingest.pdf.reader import TableRow
from ingest.prose import extract_facts, join_pages, load_patterns
from ingest.records import Fact, Score

_TITLE = re.compile(r"^(?P<department>.+?)\s*(?P<year>20\d{2})\s*年度?\s*部门整体支出\s*绩效自评报告")
SCORE_HEADER = {"一级指标": "level1", "二级指标": "level2", "得分": "score", "合计": "subtotal"}
TOTAL_LABEL = "总分"


def title_of(first_page: str) -> str:
    """The title may wrap over several lines; it ends with 自评报告."""
    return join_pages([first_page.split("自评报告", 1)[0] + "自评报告"]).text


def department_name(first_page: str, path: Path) -> str:
    """The department is the title's text before the evaluated year."""
    title = title_of(first_page)
    match = _TITLE.search(title)
    if not match:
        expected = "<部门>20xx年度部门整体支出绩效自评报告"
        raise MissingSection(path, f"title does not read {expected!r}: {title[:60]!r}")
    return match.group("department")


def _number(text: str, row: TableRow, label: str, path: Path) -> Decimal | None:
    try:
        return parse_optional_amount(text)
    except ValueError as exc:
        raise BadAmount(path, f"page {row.page} row {row.row}: {label} {exc}") from exc


def scores(rows: Sequence[TableRow], path: Path) -> list[Score]:
    """The score table: one record per 二级指标, 合计 carried over its merged rows, then 总分.

    The table may run onto the next page without its header (the 总分 row often does): the
    columns found on the header row go on applying.
    """
    found: list[Score] = []
    level1: str | None = None
    subtotal: Decimal | None = None
    for row, values in under_header(rows, SCORE_HEADER):
        score = _number(values["score"], row, "得分", path)
        if values["level1"] == TOTAL_LABEL:
            found.append(Score(TOTAL_LABEL, None, score, None, row.page, row.row))
            break  # the table ends with its total
        if values["level1"]:
            level1 = values["level1"]
            subtotal = _number(values["subtotal"], row, "合计", path)
        if level1 is None or not values["level2"]:
            continue
        found.append(Score(level1, values["level2"], score, subtotal, row.page, row.row))
    return found


def facts(pages: Sequence[str]) -> list[Fact]:
    return extract_facts(join_pages(pages), load_patterns())

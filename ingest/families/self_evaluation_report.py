"""部门整体支出绩效自评报告 → records: who, which year, the score table, the figures stated in prose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from ingest.amounts import parse_optional_amount
from ingest.errors import BadAmount, IncompleteDocument, MissingSection
from ingest.families.family import Family, Pages, Reading
from ingest.identify import Title
from ingest.pdf.columns import under_header
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.prose import DIMENSION_SCORE, extract_facts, join_pages
from ingest.records import DocType, Fact, Score

# What a title may print around the department: the year, and 关于 (关于2022年度…的报告).
_TITLE_FILLER = re.compile(r"(?:20\d{2})年度?|^关于|的$")
SCORE_HEADER = {
    "一级指标": "level1",
    "二级指标": "level2",
    "得分": "score",
    "自评得分": "score",
    "合计": "subtotal",
    "小计": "subtotal",
}
# A score table without a 合计 column gives no subtotals.
SCORE_OPTIONAL = ("subtotal",)
TOTAL_LABEL = "总分"
# Other ways a score table labels its closing total; the record keeps one name for it, 总分.
TOTAL_LABELS = frozenset({TOTAL_LABEL, "总计", "合计", "总得分", "得分合计", "综合得分", "自评总分"})


def department_name(title: Title) -> str:
    """The title's words before the family name, the year taken out: the year is printed before
    the department (2021年茂名市发展和改革局整体支出…) or after it (…科学技术局2022年度部门整体支出…)."""
    department = _TITLE_FILLER.sub("", title.before)
    if not department:
        raise MissingSection(f"the title names no department: {title.text!r}")
    return department


def _number(text: str, row: TableRow, label: str) -> Decimal | None:
    try:
        return parse_optional_amount(text)
    except ValueError as exc:
        raise BadAmount(f"page {row.page} row {row.row}: {label} {exc}") from exc


def scores(rows: Sequence[TableRow]) -> list[Score]:
    """The score table: one record per 二级指标, 合计 carried over its merged rows, then 总分.

    The table may run onto the next page without its header (the 总分 row often does): the
    columns found on the header row go on applying.
    """
    found: list[Score] = []
    level1: str | None = None
    subtotal: Decimal | None = None
    for row, values in under_header(rows, SCORE_HEADER, optional=SCORE_OPTIONAL):
        score = _number(values["score"], row, "得分")
        if squash(values["level1"]) in TOTAL_LABELS:
            found.append(Score(TOTAL_LABEL, None, score, None, row.page, row.row))
            break  # the table ends with its total
        if values["level1"]:
            level1 = values["level1"]
            subtotal = _number(values.get("subtotal", ""), row, "合计")
        if level1 is None or not values["level2"]:
            continue
        found.append(Score(level1, values["level2"], score, subtotal, row.page, row.row))
    if found and found[-1].level1 != TOTAL_LABEL:
        # The total closes the table: without it a page (or the table's end) is missing.
        last = found[-1]
        raise IncompleteDocument(
            f"the score table stops at page {last.page} row {last.row}, before its {TOTAL_LABEL} row"
        )
    return found


def facts(pages: Sequence[str], scores: Sequence[Score] = ()) -> list[Fact]:
    """Figures stated in prose; the score table's 一级指标 name the dimensions the prose scores."""
    dimensions = [score.level1 for score in scores if score.level1 != TOTAL_LABEL]
    return extract_facts(join_pages(pages), dimensions=dimensions)


def check_scored(scores: Sequence[Score], facts: Sequence[Fact]) -> None:
    """A report that scores its dimensions in prose (履职效能（满分50分，自评得分45.07分）) prints the
    score table they come from: without one, its page is missing."""
    if scores:
        return
    stated = next((fact for fact in facts if DIMENSION_SCORE in fact.label), None)
    if stated is not None:
        raise IncompleteDocument(
            f"page {stated.page} states {stated.label} {stated.value}, but no score table "
            "(一级指标 | 二级指标 | 得分) is printed: its page is missing",
        )


SECTIONS = ("scores", "facts")


def read(pages: Pages) -> Reading:
    texts = [pages.texts[number] for number in sorted(pages.texts)]
    found = scores(pages.rows)
    return Reading(
        department=department_name(pages.title),
        sections=SECTIONS,
        records={"scores": found, "facts": facts(texts, found)},
    )


def complete(reading: Reading) -> None:
    check_scored(reading.records["scores"], reading.records["facts"])


FAMILY = Family(
    doc_type=DocType.SELF_EVALUATION,
    name_zh="整体支出绩效自评报告",
    title=re.compile(r"(?:部门)?整体支出绩效自评(?:情况)?报告"),
    read=read,
    sections=SECTIONS,
    reads_text=True,
    complete=complete,
)

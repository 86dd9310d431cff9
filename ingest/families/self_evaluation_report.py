"""部门整体支出绩效自评报告 → records: who, which year, the score table, the figures stated in prose."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import pairwise

from ingest.amounts import parse_optional_amount
from ingest.errors import BadAmount, IncompleteDocument, MissingSection
from ingest.families.family import Family, Pages, Reading
from ingest.identify import Title
from ingest.pdf.columns import under_header
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.prose import DIMENSION_SCORE, join_pages, read_prose
from ingest.records import DocType, Fact, Score, UnreadStatement
from ingest.wordings import names_in_group

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


def department_name(title: Title) -> str | None:
    """The title's words before the family name, the year taken out: the year is printed before
    the department (2021年茂名市发展和改革局整体支出…) or after it (…科学技术局2022年度部门整体支出…).
    None when the title names none (部门整体支出绩效评价报告 alone)."""
    return _TITLE_FILLER.sub("", title.before) or None


# The department printed as a label's value under the title: 单位名称：…, 填报单位：….
_NAMED = re.compile(
    r"(?:(?:部门|单位|机关)(?:（单位）)?名称|(?:填报|报送|评价|编制|自评)单位)\s*[:：]\s*(\S+)"
)
# A line that is an office's name: it ends as offices' names end, and says nothing else.
_OFFICE = re.compile(
    r"^[（(]?([\u4e00-\u9fff（）()]{4,40}?(?:局|委员会|委|办公室|办|厅|院|中心|所|馆|站|协会|部|处|政府|管委会))[）)]?$"
)
_DATE_LINE = re.compile(r"^20\d{2}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")


def _lines(text: str) -> list[str]:
    return [squash(line) for line in text.splitlines() if line.strip()]


def department_in_text(title: Title, first_page: str, last_page: str) -> str | None:
    """A report whose title names no department names it under the title (a 单位名称：… line, or
    the office's name on a line of its own right after the title) or signs it at the end, above
    the date."""
    lines = _lines(first_page)
    if named := next((found for line in lines if (found := _NAMED.search(line))), None):
        return named.group(1)
    taken = 0
    for index, line in enumerate(lines):
        taken += len(line)
        if taken >= len(title.text):  # the title's last line: the office follows it, if anywhere
            for after in lines[index + 1 : index + 3]:
                if office := _OFFICE.match(_TITLE_FILLER.sub("", after)):
                    return office.group(1)
            break
    ending = _lines(last_page)[-4:]
    for line, after in pairwise(ending):
        if _DATE_LINE.match(after) and (office := _OFFICE.match(line)):
            return office.group(1)
    return None


# The year the report evaluates, where its title prints none: 对2023年度部门整体支出开展绩效自评.
_YEAR_EVALUATED = re.compile(r"(20\d{2})年度?(?:部门|单位|机关)?整体(?:支出)?(?:预算)?绩效")


def year_in_text(pages: Sequence[str]) -> int | None:
    for text in pages:
        if found := _YEAR_EVALUATED.search(squash(text)):
            return int(found.group(1))
    return None


def _number(text: str, row: TableRow, label: str) -> Decimal | None:
    try:
        return parse_optional_amount(text)
    except ValueError as exc:
        raise BadAmount(f"page {row.page} row {row.row}: {label} {exc}") from exc


def _is_total(values: Mapping[str, str]) -> bool:
    """Whether a row of the score table is its total: 总分 (or another total's label) under the
    levels. Merged across both levels' columns, the label lands in whichever the cell overlaps most
    (`Columns.split`), and that is the 二级指标's when its column is the wider, or a scan's warp
    widened it. Under 二级指标 alone, 合计 may close a 一级指标's rows instead: not the total."""
    level1, level2 = squash(values["level1"]), squash(values["level2"])
    return level1 in TOTAL_LABELS or (not level1 and level2 in TOTAL_LABELS - {"合计"})


def scores(rows: Sequence[TableRow]) -> list[Score]:
    """The score table: one record per 二级指标, 合计 carried over its merged rows, then 总分.

    The table may run onto the next page without its header (the 总分 row often does): the
    columns found on the header row go on applying.
    """
    found: list[Score] = []
    level1: str | None = None
    subtotal: Decimal | None = None
    for row, values in under_header(rows, SCORE_HEADER, optional=SCORE_OPTIONAL):
        if _is_total(values):
            # Its figure is printed across 得分 and 合计 as often as under 得分 alone.
            total = values["score"] or values.get("subtotal", "")
            found.append(Score(TOTAL_LABEL, None, _number(total, row, "得分"), None, row.page, row.row))
            break  # the table ends with its total
        score = _number(values["score"], row, "得分")
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


def facts(pages: Sequence[str], scores: Sequence[Score] = ()) -> tuple[list[Fact], list[UnreadStatement]]:
    """Figures stated in prose, and the statements of figures that could not be read; the score
    table's 一级指标 name the dimensions the prose scores."""
    dimensions = [score.level1 for score in scores if score.level1 != TOTAL_LABEL]
    return read_prose(join_pages(pages), dimensions=dimensions)


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
    department = department_name(pages.title) or department_in_text(
        pages.title, pages.first_page, texts[-1] if texts else ""
    )
    if department is None:
        raise MissingSection(
            f"neither the title ({pages.title.text!r}) nor the lines under it nor the signature "
            "name a department"
        )
    stated, unread = facts(texts, found)
    return Reading(
        department=department,
        # Statements left unread are listed only where there are some.
        sections=(*SECTIONS, "unread_statements") if unread else SECTIONS,
        records={"scores": found, "facts": stated, "unread_statements": unread},
        year=None if pages.title.year is not None else year_in_text(texts),
    )


# The catalog's groups of figures every whole report states: how the budget was executed, and
# the evaluation's result (its score, its grade).
BUDGET_EXECUTION = "预算执行"
EVALUATION = "绩效评价"


def check_reaches_evaluation(scores: Sequence[Score], facts: Sequence[Fact]) -> None:
    """A report that never states how its budget was executed, or never reaches its evaluation (a
    score table, the score or the grade stated), lost the pages that would: the first pages of a
    report alone are not a report."""
    labels = {fact.label for fact in facts}
    missing = []
    if not labels & names_in_group(BUDGET_EXECUTION):
        missing.append("the budget execution (全年预算数, 执行数, 预算完成率)")
    if (
        not scores
        and not labels & names_in_group(EVALUATION)
        and not any(DIMENSION_SCORE in label for label in labels)
    ):
        missing.append(f"the evaluation (a score table, the 自评得分 or {TOTAL_LABEL}, the 自评等级)")
    if missing:
        last = max((fact.page for fact in facts), default=None)
        where = f" (its figures stop at page {last})" if last else ""
        raise IncompleteDocument(f"the report never states {' nor '.join(missing)}{where}: pages are missing")


def complete(reading: Reading) -> None:
    check_scored(reading.records["scores"], reading.records["facts"])
    check_reaches_evaluation(reading.records["scores"], reading.records["facts"])


FAMILY = Family(
    doc_type=DocType.SELF_EVALUATION,
    name_zh="(部门)整体(支出)绩效(自评|评价)报告",
    # 部门整体支出绩效自评报告 in offices' words: 单位自评, 机关整体, 评价 or 自我评价 for 自评, without
    # 支出, 情况的报告. The department's whole spending, always: a 项目支出 report is another document.
    title=re.compile(
        r"(?:部门|单位|机关)?整体(?:支出)?(?:预算)?绩效(?:单位|部门)?(?:自评|自我评价|评价)(?:情况)?的?报告"
    ),
    read=read,
    sections=(*SECTIONS, "unread_statements"),
    reads_text=True,
    complete=complete,
)

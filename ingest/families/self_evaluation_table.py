"""部门整体支出绩效自评表 and 项目支出绩效自评表 → records: what the table evaluates, the budget block
(预算执行情况), 年度总体目标 expected and achieved, and one record per 三级指标 with its target, actual,
weight and score, closed by 总分. Read by labels and structure, never by position on the page.

Both follow the national template (财预〔2020〕10号) and its local variants: one ruled table whose
first column holds block labels (项目名称 / 部门（单位）名称, the budget block's 项目资金（万元） or
年度部门整体支出预算执行情况（万元）, 年度总体目标, 绩效指标). Within a block, columns are found by
their header labels (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分; 一级指标 | … |
年度指标值 | 实际完成值 | 分值 | 得分 …) in any order, extra columns recognised and kept out of the
fields. A header printed again at the top of a page (print titles, a browser's <thead>, 续表) is a
header, not a new block: a block label printed again after later blocks began is read as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ingest.amounts import parse_optional_amount
from ingest.errors import BadAmount, IncompleteDocument, MissingSection, MultipleDocuments
from ingest.families.family import Reading
from ingest.pdf.columns import header_columns, under_header
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.records import BudgetExecutionLine, EvaluatedIndicator, EvaluationSummary

NAME = "名称"
BUDGET = "预算执行情况"
GOAL = "年度总体目标"
INDICATORS = "绩效指标"
OTHER = "其他"  # a block this reader does not read (年度主要任务, 自评结论, 填表人 …)

# Column-A labels, matched on the cell's start with whitespace removed.
SECTION_LABELS: dict[str, re.Pattern[str]] = {
    NAME: re.compile(r"^(?:项目|部门|单位|机关)(?:（单位）|\(单位\))?名称"),
    # 项目资金（万元）, 年度部门整体支出预算执行情况（万元）, 部门预算资金, 资金投入情况 …
    BUDGET: re.compile(
        r"^(?=.{2,24}$)(?=.*(?:资金|预算))(?:年度|本年|全年)?(?:部门|单位|项目|机关)?(?:整体)?(?:支出)?"
        r"(?:预算)?(?:资金)?(?:预算)?(?:执行|投入|使用|安排)?(?:情况)?(?:[（(](?:单位[:：])?万元[)）])?$"
    ),
    GOAL: re.compile(r"^(?:年度)?(?:总体|整体)(?:绩效)?目标"),
    INDICATORS: re.compile(r"^(?:年度)?绩效指标(?:完成情况)?$"),
    OTHER: re.compile(
        r"^(?:年度)?(?:主要|重点)(?:工作)?任务|^(?:绩效)?(?:自评|评价)?(?:结论|等级|意见)"
        r"|^(?:存在的?)?(?:主要)?问题|^(?:改进|整改)|^其他|^说明|^注[:：]?|^备注|^填[表报]|^联系"
        r"|^(?:单位)?负责人|^审核人"
    ),
}

# Label → field of the cells printed beside it in the name rows: 主管部门 | X | 实施单位 | Y.
PAIR_LABELS: dict[str, str] = {
    "项目名称": "project",
    "部门（单位）名称": "department",
    "部门(单位)名称": "department",
    "部门名称": "department",
    "单位名称": "department",
    "机关名称": "department",
    "主管部门": "supervising_unit",
    "主管单位": "supervising_unit",
    "实施单位": "implementing_unit",
    "项目实施单位": "implementing_unit",
    "执行单位": "implementing_unit",
}

EXECUTION_HEADER = {
    "年初预算数": "initial_budget",
    "年初预算": "initial_budget",
    "全年预算数": "annual_budget",
    "调整后预算数": "annual_budget",
    "预算数": "annual_budget",
    "全年执行数": "executed",
    "执行数": "executed",
    "实际支出数": "executed",
    "分值": "weight",
    "权重": "weight",
    "执行率": "execution_rate",
    "预算执行率": "execution_rate",
    "得分": "score",
    "自评得分": "score",
}
EXECUTION_OPTIONAL = ("initial_budget", "weight", "execution_rate", "score")
GOAL_HEADER = {
    "预期目标": "expected",
    "年度预期目标": "expected",
    "实际完成情况": "achieved",
    "实际完成": "achieved",
}
INDICATOR_HEADER = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "指标值": "target",
    "年度目标值": "target",
    "目标值": "target",
    "预期指标值": "target",
    "指标性质": "nature",
    "指标方向": "nature",
    "计量单位": "unit",
    "度量单位": "unit",
    "实际完成值": "actual",
    "年度实际完成值": "actual",
    "全年实际完成值": "actual",
    "实际完成情况": "actual",
    "实际值": "actual",
    "完成值": "actual",
    "分值": "weight",
    "权重": "weight",
    "得分": "score",
    "自评得分": "score",
    "偏差原因分析及改进措施": "deviation",
    "偏差原因分析": "deviation",
    "偏差原因": "deviation",
    "未完成原因": "deviation",
    "未完成原因分析": "deviation",
    "备注": "note",
    "评分标准": "scoring",
    "评（扣）分标准": "scoring",
    "扣分标准": "scoring",
    "指标解释": "note",
    "指标说明": "note",
}
INDICATOR_OPTIONAL = ("level1", "level2", "nature", "unit", "deviation", "note", "scoring")
TOTAL_LABELS = frozenset({"总分", "合计", "总计", "总得分", "得分合计", "综合得分", "自评总分"})

_DASH = re.compile(r"^[-－—–/／\\、无]+$")
_WHERE_OF = re.compile(r"^(?:其中)\s*[:：]?\s*")
# An actual that is a figure: 126项, 93%, 1.2亿元, 4,000家 (a unit of a few characters at most).
_FIGURE = re.compile(
    r"^(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<unit>%|％|[^\d\s,.]{1,4})?$"
)
_PERCENT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*[%％]?$")


@dataclass
class TableContent:
    names: dict[str, str] = field(default_factory=dict)  # PAIR_LABELS' fields → printed value
    lines: list[BudgetExecutionLine] = field(default_factory=list)
    goal_expected: str | None = None
    goal_achieved: str | None = None
    indicators: list[EvaluatedIndicator] = field(default_factory=list)
    total: TableRow | None = None
    total_weight: Decimal | None = None
    total_score: Decimal | None = None


def section_of(row: TableRow) -> str | None:
    first = squash(row.cells[0]) if row.cells else ""
    return next((block for block, label in SECTION_LABELS.items() if label.match(first)), None)


def _block_of_header(row: TableRow, current: str | None) -> str | None:
    """The block whose header row this is: a page break may leave the column-A label elsewhere,
    and a label in other words names no block. A budget header counts only right after the names
    (a block of tasks elsewhere may print 预算数 | 执行数 too)."""
    if header_columns(row, INDICATOR_HEADER, optional=INDICATOR_OPTIONAL):
        return INDICATORS
    if current in (None, NAME) and header_columns(row, EXECUTION_HEADER, optional=EXECUTION_OPTIONAL):
        return BUDGET
    return None


def by_section(rows: Iterable[TableRow]) -> dict[str, list[TableRow]]:
    """Rows grouped by block, in reading order; rows before any label are dropped.

    A block starts at the row printing its column-A label, or at its header row. The name rows
    and the indicators' header printed again once a later block has begun are repeated headers (a
    browser's <thead>, 续表): the name row goes to its block, to tell a repeat from another
    table's name, and the indicators go on. A budget block or a goal begun again is a second table.
    """
    blocks: dict[str, list[TableRow]] = {}
    current: str | None = None
    for row in rows:
        block = section_of(row) or _block_of_header(row, current)
        if block is not None and block in blocks and block != current:
            if block == NAME:
                blocks[block].append(row)
                continue
            if block in (BUDGET, GOAL):
                raise MultipleDocuments(f"page {row.page}: a second {block} begins, of another table")
        current = block or current
        if current is not None:
            blocks.setdefault(current, []).append(row)
    return blocks


def _printed(row: TableRow) -> list[tuple[str, tuple[float, float, float, float]]]:
    return [(text, box) for text, box in zip(row.cells, row.boxes, strict=False) if box is not None and text]


def _pair_field(text: str) -> str | None:
    printed = squash(text).rstrip(":：")
    return next((field for label, field in PAIR_LABELS.items() if printed == label), None)


def _names(rows: Sequence[TableRow]) -> dict[str, str]:
    """主管部门 | X | 实施单位 | Y: each label's value is the cells after it up to the next label. A
    second 项目名称 or 部门名称 naming something else is a second document in the file."""
    names: dict[str, str] = {}
    for row in rows:
        cells = _printed(row)
        for index, (text, _) in enumerate(cells):
            name = _pair_field(text)
            if name is None:
                continue
            value = ""
            for after, _ in cells[index + 1 :]:
                if _pair_field(after) is not None:
                    break
                value += after
            if not value:
                continue
            if name in names and squash(names[name]) != squash(value):
                raise MultipleDocuments(f"page {row.page}: a second table begins, of {value}")
            names.setdefault(name, value)
    return names


def _figure(text: str, what: str, row: TableRow) -> Decimal | None:
    """A figure of a score or budget cell; None for blank or a dash (— printed where the template
    asks for nothing); BadAmount for anything else."""
    cleaned = squash(text)
    if not cleaned or _DASH.match(cleaned):
        return None
    try:
        return parse_optional_amount(cleaned)
    except ValueError as exc:
        raise BadAmount(f"page {row.page} row {row.row}: {what} {exc}") from exc


def _rate(text: str, row: TableRow) -> Decimal | None:
    """执行率 in percent: 94.99% → 94.99 (a figure printed without % is read in percent too)."""
    cleaned = squash(text)
    if not cleaned or _DASH.match(cleaned):
        return None
    match = _PERCENT.match(cleaned)
    if match is None:
        raise BadAmount(f"page {row.page} row {row.row}: 执行率 not a percentage: {text!r}")
    return Decimal(match.group("number"))


def _line_label(row: TableRow, first_column: float) -> str:
    """The line's label: the cells left of the first figure column, the block label aside."""
    cells = [text for text, box in _printed(row) if (box[0] + box[2]) / 2 < first_column]
    if cells and section_of(TableRow(row.page, row.row, (cells[0],))) == BUDGET:
        cells = cells[1:]
    return _WHERE_OF.sub("", "".join(cells)).strip().rstrip(":：")


def execution_lines(rows: Sequence[TableRow]) -> list[BudgetExecutionLine]:
    """The budget block: one line per labelled row under its header, figures as printed."""
    header = next(
        (
            found
            for row in rows
            if (found := header_columns(row, EXECUTION_HEADER, optional=EXECUTION_OPTIONAL))
        ),
        None,
    )
    if header is None:
        labels = " | ".join(dict.fromkeys(label for label in EXECUTION_HEADER if label.startswith("全年")))
        raise MissingSection(f"the {BUDGET} block has no header row ({labels} …)")
    first_column = min(x0 for x0, _ in header.spans.values())
    lines: list[BudgetExecutionLine] = []
    for row, values in under_header(rows, EXECUTION_HEADER, optional=EXECUTION_OPTIONAL):
        label = _line_label(row, first_column)
        if not label:
            if any(values.values()):
                raise IncompleteDocument(
                    f"page {row.page} row {row.row}: a {BUDGET} row with figures but no label"
                )
            continue
        lines.append(
            BudgetExecutionLine(
                label=label,
                initial_budget=_figure(values.get("initial_budget", ""), f"{label} 年初预算数", row),
                annual_budget=_figure(values["annual_budget"], f"{label} 全年预算数", row),
                executed=_figure(values["executed"], f"{label} 全年执行数", row),
                weight=_figure(values.get("weight", ""), f"{label} 分值", row),
                execution_rate_percent=_rate(values.get("execution_rate", ""), row),
                score=_figure(values.get("score", ""), f"{label} 得分", row),
                page=row.page,
                row=row.row,
            )
        )
    return lines


def goals(rows: Sequence[TableRow]) -> tuple[str | None, str | None]:
    """预期目标 and 实际完成情况: side by side under their header row, or each on a row of its own
    after its label."""
    expected: list[str] = []
    achieved: list[str] = []
    target = {"expected": expected, "achieved": achieved}
    if any(header_columns(row, GOAL_HEADER) for row in rows):
        for _, values in under_header(rows, GOAL_HEADER):
            expected.append(values["expected"])
            achieved.append(values["achieved"])
    else:
        labels = sorted(GOAL_HEADER, key=len, reverse=True)
        for row in rows:
            cells = [text for text, _ in _printed(row)]
            if cells and section_of(TableRow(row.page, row.row, (cells[0],))) == GOAL:
                cells = cells[1:]
            for index, text in enumerate(cells):
                printed = squash(text)
                label = next((label for label in labels if printed.startswith(label)), None)
                if label is not None:
                    rest = printed[len(label) :].lstrip(":：")
                    target[GOAL_HEADER[label]].append(rest + "".join(cells[index + 1 :]))
                    break
    return "".join(expected) or None, "".join(achieved) or None


def _actual_value(actual: str) -> Decimal | None:
    match = _FIGURE.match(squash(actual))
    return Decimal(match.group("number").replace(",", "")) if match else None


def _is_total(row: TableRow) -> bool:
    cells = [squash(text) for text, _ in _printed(row)]
    return bool(cells) and cells[0] in TOTAL_LABELS


def indicators(rows: Sequence[TableRow], content: TableContent) -> None:
    """The 绩效指标 rows naming a 三级指标, 一级/二级 carried down through merged cells, up to 总分."""
    if rows and not any(header_columns(row, INDICATOR_HEADER, optional=INDICATOR_OPTIONAL) for row in rows):
        raise MissingSection(
            f"the {INDICATORS} block has no header row (三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分)"
        )
    level1: str | None = None
    level2: str | None = None
    for row, values in under_header(rows, INDICATOR_HEADER, optional=INDICATOR_OPTIONAL):
        if content.total is not None:
            # The table closed with its 总分: an indicator after it (named, and scored or targeted)
            # is another table's; a note or a grade under the total is not read.
            if values["name"] and (values["weight"] or values["score"] or values["target"]):
                raise MultipleDocuments(f"page {row.page}: indicators follow the 总分 row, of another table")
            continue
        if _is_total(row):
            content.total = row
            content.total_weight = _figure(values["weight"], "总分 分值", row)
            content.total_score = _figure(values["score"], "总分 得分", row)
            continue
        found = content.indicators
        if row.continued and found and not values["name"]:
            last = found[-1]
            found[-1] = replace(
                last,
                target=last.target + values["target"],
                actual=((last.actual or "") + values["actual"]) or None,
                deviation=((last.deviation or "") + values.get("deviation", "")) or None,
            )
            continue
        if values.get("level1"):
            level1, level2 = values["level1"], None
        if values.get("level2"):
            level2 = values["level2"]
        if not values["name"]:
            if values["weight"] or values["score"] or values["actual"]:
                raise IncompleteDocument(
                    f"page {row.page} row {row.row}: a {INDICATORS} row scored but naming no 三级指标"
                )
            continue  # a template row left blank
        actual = values["actual"] or None
        found.append(
            EvaluatedIndicator(
                level1=level1,
                level2=level2,
                name=values["name"],
                target=values["target"],
                target_nature=values.get("nature") or None,
                target_unit=values.get("unit") or None,
                actual=actual,
                actual_value=_actual_value(actual) if actual else None,
                weight=_figure(values["weight"], f"{values['name']} 分值", row),
                score=_figure(values["score"], f"{values['name']} 得分", row),
                deviation=values.get("deviation") or None,
                page=row.page,
                row=row.row,
            )
        )


# Printed above the table instead of in it: 项目名称：…, 主管部门：…, 填报单位 aside.
_NAME_LINE = re.compile(
    r"(项目名称|部门（单位）名称|部门名称|单位名称|主管部门|主管单位|实施单位|项目实施单位)\s*[:：]\s*(\S+)"
)
# The year printed on a line of its own under the title, or as 年度：2023 (评价年度, 所属年度).
_YEAR_LINE = re.compile(
    r"^[（(](20\d{2})年度?[）)]$|^(20\d{2})年度$|^(?:评价|自评|所属|预算)?年度[:：](20\d{2})"
)


def header_year(first_page: str) -> int | None:
    """The year the table's header prints outside its title, if any."""
    for line in first_page.splitlines()[:10]:
        if match := _YEAR_LINE.search(squash(line)):
            return int(next(group for group in match.groups() if group))
    return None


def read_table(rows: Sequence[TableRow], first_page: str) -> TableContent:
    blocks = by_section(rows)
    names = _names(blocks.get(NAME, []))
    for label, value in _NAME_LINE.findall(first_page):
        names.setdefault(PAIR_LABELS[label], value)
    content = TableContent(names=names)
    content.lines = execution_lines(blocks.get(BUDGET, [])) if BUDGET in blocks else []
    content.goal_expected, content.goal_achieved = goals(blocks.get(GOAL, []))
    indicators(blocks.get(INDICATORS, []), content)
    return content


SECTIONS = ("evaluation", "execution_lines", "evaluated_indicators")


def reading(content: TableContent, department: str, project: str | None, first_page: str) -> Reading:
    total = content.total
    summary = EvaluationSummary(
        project=project,
        supervising_unit=content.names.get("supervising_unit"),
        implementing_unit=content.names.get("implementing_unit"),
        goal_expected=content.goal_expected,
        goal_achieved=content.goal_achieved,
        total_weight=content.total_weight,
        total_score=content.total_score,
        # Page 0: no 总分 row was found, and `complete` refuses the table.
        page=total.page if total else 0,
        row=total.row if total else 0,
    )
    return Reading(
        department=department,
        sections=SECTIONS,
        records={
            "evaluation": [summary],
            "execution_lines": content.lines,
            "evaluated_indicators": content.indicators,
        },
        subject=project,
        year=header_year(first_page),
    )


def complete(found: Reading) -> None:
    """A table is whole when it prints its budget block, at least one indicator and its 总分."""
    indicators_found: list[EvaluatedIndicator] = found.records["evaluated_indicators"]
    if not found.records["execution_lines"]:
        raise MissingSection(f"no {BUDGET} block (全年预算数 | 全年执行数 …) in the table")
    if not indicators_found:
        raise MissingSection(f"the {INDICATORS} block is missing, or names no 三级指标")
    summary: EvaluationSummary = found.records["evaluation"][0]
    if summary.page == 0:
        last = indicators_found[-1]
        raise IncompleteDocument(
            f"the {INDICATORS} block stops at page {last.page} row {last.row}, before its 总分 row "
            "(a page lost?)"
        )
    # The weights are the table's own count of its rows: short of 总分's 分值, rows are missing
    # (a page lost in the middle). More than it is a misprint, for reconciliation to show.
    lines: list[BudgetExecutionLine] = found.records["execution_lines"]
    weights = [line.weight for line in lines] + [item.weight for item in indicators_found]
    printed = [weight for weight in weights if weight is not None]
    if summary.total_weight is not None and printed and sum(printed) < summary.total_weight:
        raise IncompleteDocument(
            f"the weights (分值) printed add up to {sum(printed)}, short of 总分's {summary.total_weight}: "
            f"rows are missing (a page lost?)"
        )

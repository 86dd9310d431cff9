"""部门整体预算绩效目标申报表 → records. Read by labels and structure, never by position on the page.

The form is one ruled table whose first column holds block labels (部门名称, 预算整体情况 …). A
block runs from the row that prints its label to the row that prints the next one; a page break may
print the label again or leave the cell blank, both continue the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import pairwise

from ingest.amounts import is_amount, parse_amount, parse_optional_amount
from ingest.errors import BadAmount, IncompleteDocument, MissingSection, MultipleDocuments
from ingest.families.family import Family, Pages, Reading
from ingest.measures import base_of
from ingest.pdf.columns import header_columns, page_top_repeats, under_header
from ingest.pdf.merges import BBox
from ingest.pdf.reader import TableRow
from ingest.pdf.text import squash
from ingest.records import BudgetLine, DocType, Fact, Indicator, KeyTask

DEPARTMENT = "部门名称"
BASIC_INFO = "基本信息"
BUDGET = "预算整体情况"
OVERALL_GOAL = "总体绩效目标"
KEY_TASKS = "年度重点工作任务"
OTHER_TASKS = "其他需完成的任务"
INDICATORS = "绩效指标"
# Column-A labels as templates print them, matched on the cell's start (forms add suffixes such as
# （万元） or （可选填）): block → its spellings, with whitespace removed.
SECTION_LABELS: dict[str, re.Pattern[str]] = {
    DEPARTMENT: re.compile(r"^(?:部门|单位)(?:（单位）)?名称"),
    BASIC_INFO: re.compile(r"^(?:部门|单位)?基本(?:信息|情况)"),
    BUDGET: re.compile(r"^(?:部门|年度)?预算(?:整体|总体)?情况"),
    OVERALL_GOAL: re.compile(r"^(?:部门|年度)?(?:总体|整体)(?:绩效)?目标"),
    KEY_TASKS: re.compile(r"^(?:年度)?(?:重点工作任务|主要任务|重点任务)"),
    OTHER_TASKS: re.compile(r"^其他需?完成的?任务"),
    INDICATORS: re.compile(r"^(?:年度|部门整体)?绩效指标"),
}

# Header labels by meaning: several spellings name one field, and the longest label a cell starts
# with wins (指标值说明 is a note, not 指标值). Columns some templates add (指标方向, 计量单位, 备注,
# 评（扣）分标准 …) are read as their own fields so that their text never reaches a target.
TASK_HEADER = {
    "名称": "name",
    "任务名称": "name",
    "主要实施内容": "content",
    "实施内容": "content",
    "主要内容": "content",
    "拟投入的资金": "funds",
    "拟投入资金": "funds",
    "投入资金": "funds",
    "预算金额": "funds",
    "期望达到的目标": "goal",
    "预期达到的目标": "goal",
    "预期目标": "goal",
}
INDICATOR_HEADER = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "实施周期指标值": "period_target",
    "年度指标值": "annual_target",
    # A template with one target column: the year's target.
    "指标值": "annual_target",
    "指标方向": "direction",
    "计量单位": "unit",
    "度量单位": "unit",
    "指标值说明": "note",
    "指标说明": "note",
    "备注": "note",
    "评分标准": "scoring",
    "评（扣）分标准": "scoring",
    "扣分标准": "scoring",
}
# What closes a 绩效指标 block of the 产出/效益 framework (see `_check_complete`): 满意度指标,
# 服务对象满意率, 满意程度 ….
CLOSING_CATEGORY = "满意"
OPENING_CATEGORIES = ("产出", "效益")
INDICATOR_OPTIONAL = ("period_target", "direction", "unit", "note", "scoring")
_SUBTOTAL = re.compile(r"[合小总]计$")
# Header cells of an amount column in 预算整体情况: 预算金额（万元）, 金额.
_AMOUNT_HEADER = re.compile(r"金额|万元")


@dataclass
class FormContent:
    department: str
    budget_lines: list[BudgetLine]
    basic_info: list[Fact] = field(default_factory=list)
    overall_goal: str | None = None
    key_tasks: list[KeyTask] = field(default_factory=list)
    other_tasks: str | None = None
    indicators: list[Indicator] = field(default_factory=list)


def section_of(row: TableRow) -> str | None:
    """The block label printed in the row's first cell, if any."""
    first = squash(row.cells[0]) if row.cells else ""
    return next((block for block, label in SECTION_LABELS.items() if label.match(first)), None)


def _block_of_header(row: TableRow) -> str | None:
    """The block whose header row this is: a page break may leave the column-A label elsewhere."""
    if header_columns(row, INDICATOR_HEADER, optional=INDICATOR_OPTIONAL):
        return INDICATORS
    if header_columns(row, TASK_HEADER):
        return KEY_TASKS
    return None


def _is_header(row: TableRow) -> bool:
    """The rows a page may print again at its top: the 部门名称 row and the blocks' header rows. A
    block's first row (预算整体情况 | 基本支出 | …) printed again begins another form."""
    return section_of(row) == DEPARTMENT or _block_of_header(row) is not None


def by_section(rows: Sequence[TableRow]) -> dict[str, list[TableRow]]:
    """Rows grouped by the block they belong to, in reading order; rows before any label are dropped.

    A block starts at the row printing its column-A label, or at its header row (一级指标 | 二级指标 …)
    when the label of a merged column-A cell was printed on another page. A label or header row
    that a page prints at its top again (a browser's <thead>, a 续表 header) is a header, not a block:
    the block being read goes on (the header of the block being read is kept, for its columns).
    """
    repeats = page_top_repeats(rows, _is_header)
    blocks: dict[str, list[TableRow]] = {}
    current: str | None = None
    for position, row in enumerate(rows):
        block = section_of(row) or _block_of_header(row)
        if position in repeats and block is not None and block != current:
            continue
        current = block or current
        if current is not None:
            blocks.setdefault(current, []).append(row)
    return blocks


def body(row: TableRow) -> list[str]:
    """The row's filled cells without the block label."""
    cells = row.filled()
    return cells[1:] if section_of(row) else cells


def _text(rows: Sequence[TableRow]) -> str | None:
    text = "".join("".join(body(row)) for row in rows)
    return text or None


def _printed_cells(row: TableRow) -> list[tuple[str, BBox]]:
    """The row's cells left to right, empty ones included, without covered slots and block label."""
    cells = [(text, box) for text, box in zip(row.cells, row.boxes, strict=False) if box is not None]
    return cells[1:] if section_of(row) and cells else cells


def _amount_columns(rows: Sequence[TableRow]) -> list[tuple[float, float]]:
    """Where a block prints amounts: cells holding one, and header cells such as 预算金额（万元）."""
    return [
        (box[0], box[2])
        for row in rows
        for text, box in _printed_cells(row)
        if is_amount(text) or _AMOUNT_HEADER.search(squash(text))
    ]


def _label_value_pairs(rows: Sequence[TableRow]) -> Iterator[tuple[TableRow, str, str]]:
    """(row, label, amount as printed) for each label cell followed by an amount cell.

    A cell after a label that sits in a column holding amounts elsewhere in the block is that
    label's amount, whatever it holds: empty, the form left it blank; words (壹佰万, --), an amount
    misprinted, for the caller to refuse rather than to lose the line. Header pairs (收入来源 |
    预算金额（万元）) drop out.
    """
    columns = _amount_columns(rows)
    for row in rows:
        for (label, _), (value, box) in pairwise(_printed_cells(row)):
            if not label or is_amount(label) or _AMOUNT_HEADER.search(squash(value)):
                continue
            middle = (box[0] + box[2]) / 2
            if is_amount(value) or any(x0 <= middle <= x1 for x0, x1 in columns):
                yield row, label, value


def _printed_amount(label: str, value: str, row: TableRow, block: str) -> Decimal | None:
    """The amount a label's cell prints; None for a blank cell; BadAmount for anything else."""
    try:
        return parse_optional_amount(value)
    except ValueError as exc:
        raise BadAmount(f"page {row.page} row {row.row}: {block} {label}: {exc}") from exc


def budget_lines(rows: Sequence[TableRow]) -> list[BudgetLine]:
    """Every label/amount pair of 预算整体情况: left pair before right pair, row after row; a blank
    amount is a line with no amount (None), never 0."""
    lines = [
        BudgetLine(
            section=BUDGET,
            label=label,
            amount_wan_yuan=_printed_amount(label, value, row, BUDGET),
            amount_text=value,
            page=row.page,
            row=row.row,
        )
        for row, label, value in _label_value_pairs(rows)
    ]
    if not any(line.amount_wan_yuan is not None for line in lines):
        raise MissingSection(f"no amounts found in the {BUDGET} block")
    seen: set[str] = set()
    for line in lines:
        if _SUBTOTAL.search(line.label):
            continue  # 合计 and 小计 may close both the spending and the income side
        if line.label in seen:  # each line is printed once per form: this is a second form
            raise MultipleDocuments(f"page {line.page}: {BUDGET} prints {line.label} a second time")
        seen.add(line.label)
    return lines


def basic_info(rows: Sequence[TableRow]) -> list[Fact]:
    """基本信息 figures such as 财政供养人员数, 下属二级单位数; the label stands as the fact's text."""
    facts = []
    for row, label, value in _label_value_pairs(rows):
        if value and not is_amount(value):
            continue  # words beside a label (单位性质 | 行政单位): no figure stated
        figure = _printed_amount(label, value, row, BASIC_INFO)
        if figure is None:
            continue  # no figure printed: nothing stated
        base_value, base_unit = base_of(figure, None)
        facts.append(
            Fact(
                label=label,
                value=figure,
                unit=None,
                qualifier=None,
                text=label,
                page=row.page,
                row=row.row,
                base_value=base_value,
                base_unit=base_unit,
            )
        )
    return facts


def _require_header(
    rows: Sequence[TableRow], header: dict[str, str], block: str, optional: Sequence[str] = ()
) -> None:
    if rows and not any(header_columns(row, header, optional=optional) for row in rows):
        fields = dict.fromkeys(label for label, field in header.items() if field not in optional)
        raise MissingSection(f"the {block} block has no header row ({' | '.join(fields)})")


def key_tasks(rows: Sequence[TableRow]) -> list[KeyTask]:
    """年度重点工作任务 rows. A row without a 名称 continues the task above (a row split by a page break)."""
    _require_header(rows, TASK_HEADER, KEY_TASKS)
    tasks: list[KeyTask] = []
    for row, values in under_header(rows, TASK_HEADER):
        funds = _funds(values["funds"], row)
        if values["name"]:
            tasks.append(
                KeyTask(
                    name=values["name"],
                    content=values["content"],
                    funds_wan_yuan=funds,
                    goal=values["goal"],
                    pages=(row.page,),
                    row=row.row,
                )
            )
        elif not tasks and (values["content"] or funds is not None):
            # Nothing above to continue: the first task lost its 名称.
            raise IncompleteDocument(f"page {row.page} row {row.row}: a {KEY_TASKS} row without 名称")
        elif tasks and any(values.values()):
            last = tasks[-1]
            if funds is not None and last.funds_wan_yuan is not None:
                # A row split by a page break prints its funds once: this is a task of its own.
                raise IncompleteDocument(
                    f"page {row.page} row {row.row}: a {KEY_TASKS} row with funds ({funds}) but no 名称"
                )
            tasks[-1] = replace(
                last,
                content=last.content + values["content"],
                goal=last.goal + values["goal"],
                funds_wan_yuan=last.funds_wan_yuan if funds is None else funds,
                pages=last.pages if row.page in last.pages else (*last.pages, row.page),
            )
    return tasks


def _funds(text: str, row: TableRow) -> Decimal | None:
    if not text:
        return None
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise BadAmount(f"page {row.page} row {row.row}: 拟投入的资金 {exc}") from exc


def indicators(rows: Sequence[TableRow]) -> list[Indicator]:
    """绩效指标 rows that name a 三级指标, with 一级/二级 carried down through merged cells."""
    _require_header(rows, INDICATOR_HEADER, INDICATORS, INDICATOR_OPTIONAL)
    level1: str | None = None
    level2: str | None = None
    levels: list[str] = []
    found: list[Indicator] = []
    for row, values in under_header(rows, INDICATOR_HEADER, optional=INDICATOR_OPTIONAL):
        if row.continued and found and not values["name"]:
            found[-1] = _continue_indicator(found[-1], values)
            continue
        if values["level1"]:
            level1, level2 = values["level1"], None
            levels.append(level1)
        if values["level2"]:
            level2 = values["level2"]
            levels.append(level2)
        if not values["name"]:
            continue  # a template row: 成本指标 and the like left blank
        found.append(
            Indicator(
                level1=level1,
                level2=level2,
                name=values["name"],
                # One 指标值 column states the year's target only: no implementation-period target.
                period_target=values.get("period_target"),
                annual_target=values["annual_target"],
                page=row.page,
                row=row.row,
            )
        )
    _check_complete(levels, found)
    return found


def _check_complete(levels: Sequence[str], found: Sequence[Indicator]) -> None:
    """The block's own evidence that it is cut short. In the 产出/效益 framework the templates follow,
    its 一级指标 run 产出 → 效益 (→ 成本) and close with 满意度指标 (older templates print
    服务对象满意度 as a 二级 or 三级指标 under 效益指标): a block of that framework that never
    reaches 满意, at any level, lost its end (a page). A block of another framework is not judged."""
    if not found:
        what = "names no 三级指标" if levels else "is missing, or names no indicator"
        raise MissingSection(f"the {INDICATORS} block {what}")
    named = [*levels, *(indicator.name for indicator in found)]
    framework = any(category in squash(level) for level in levels for category in OPENING_CATEGORIES)
    if framework and not any(CLOSING_CATEGORY in squash(text) for text in named):
        last = found[-1]
        raise IncompleteDocument(
            f"the {INDICATORS} block stops at page {last.page} row {last.row} ({last.level1}), "
            f"before its {CLOSING_CATEGORY}度指标 (a page lost?)",
        )


def _continue_indicator(indicator: Indicator, values: dict[str, str]) -> Indicator:
    """The rest of an indicator whose row a page break cut (a browser prints tall rows over two
    pages): the continuation has no 三级指标 of its own, its targets go on."""
    period = values.get("period_target", "")
    return replace(
        indicator,
        period_target=None if indicator.period_target is None else indicator.period_target + period,
        annual_target=indicator.annual_target + values["annual_target"],
    )


# Some templates print the department above the table: 部门名称：韶关市科学技术局.
_DEPARTMENT_LINE = re.compile(r"(?:部门|单位)(?:（单位）)?名称\s*[:：]\s*(\S+)")


def department_name(rows: Sequence[TableRow], first_page: str) -> str:
    """The 部门名称 row of the table, else a 部门名称： line above it."""
    name = _text(rows)
    if not name and (line := _DEPARTMENT_LINE.search(first_page)):
        name = line.group(1)
    if not name:
        raise MissingSection(f"no {DEPARTMENT} row in the form")
    return name


def parse_form(rows: Sequence[TableRow], first_page: str) -> FormContent:
    blocks = by_section(rows)
    return FormContent(
        department=department_name(blocks.get(DEPARTMENT, []), first_page),
        budget_lines=budget_lines(blocks.get(BUDGET, [])),
        basic_info=basic_info(blocks.get(BASIC_INFO, [])),
        overall_goal=_text(blocks.get(OVERALL_GOAL, [])),
        key_tasks=key_tasks(blocks.get(KEY_TASKS, [])),
        other_tasks=_text(blocks.get(OTHER_TASKS, [])),
        indicators=indicators(blocks.get(INDICATORS, [])),
    )


SECTIONS = ("budget_lines", "key_tasks", "indicators")


def read(pages: Pages) -> Reading:
    form = parse_form(as_read(pages), pages.first_page)
    return Reading(
        department=form.department,
        # 基本信息 (下属二级单位数 …) is printed by some forms only.
        sections=(*SECTIONS, "facts") if form.basic_info else SECTIONS,
        records={
            "budget_lines": form.budget_lines,
            "key_tasks": form.key_tasks,
            "indicators": form.indicators,
            "facts": form.basic_info,
            "overall_goal": form.overall_goal,
            "other_tasks": form.other_tasks,
        },
    )


def one_document(pages: Pages) -> None:
    """MultipleDocuments when the rows show a second document after the form: a project table's
    header row, or a 部门名称 naming another department. (A second 预算整体情况 label tells nothing:
    a page break inside the block prints its merged label again.)"""
    from ingest.families.project_target_table import HEADER as PROJECT_HEADER  # it reads our labels

    for row in pages.rows:
        if header_columns(row, PROJECT_HEADER):
            raise MultipleDocuments(f"page {row.page}: a 项目支出绩效目标表 follows the form")
    one_department(as_read(pages))


def as_read(pages: Pages) -> Sequence[TableRow]:
    """The document's rows; of a scan, with its 部门名称 rows made one reading (`names_read_alike`)."""
    return names_read_alike(pages.rows) if pages.scanned else pages.rows


def names_read_alike(rows: Sequence[TableRow]) -> Sequence[TableRow]:
    """`rows` with every 部门名称 row spelt as the fullest reading of the name, when the readings
    differ only by a character the recogniser lost in some (`_one_lost`): on a scan signed across
    the name, page 1's read 州市科学技术局 and the pages repeating the row 惠州市科学技术局. Names that
    differ otherwise are left as read, for `one_department` to tell a second form by: two
    departments' names differ by a word, not by one character gone."""
    named = [row for row in rows if section_of(row) == DEPARTMENT]
    names = {_name_in(row) for row in named}
    fullest = max(names, key=len, default="")
    if len(names) < 2 or any(name != fullest and not _one_lost(name, fullest) for name in names):
        return rows
    spelt = next(row for row in named if _name_in(row) == fullest)
    return [
        replace(row, cells=spelt.cells)
        if section_of(row) == DEPARTMENT and len(row.cells) == len(spelt.cells)
        else row
        for row in rows
    ]


def _name_in(row: TableRow) -> str:
    """The department a 部门名称 row names, whitespace left out."""
    return squash("".join(body(row)))


def _one_lost(short: str, full: str) -> bool:
    """Whether `short` is `full` with one character left out."""
    return len(full) == len(short) + 1 and any(full[:i] + full[i + 1 :] == short for i in range(len(full)))


def one_department(rows: Sequence[TableRow]) -> None:
    """MultipleDocuments when a second 部门名称 row names another department."""
    named = [row for row in rows if section_of(row) == DEPARTMENT]
    for row in named[1:]:
        if _name_in(row) != _name_in(named[0]):
            raise MultipleDocuments(f"page {row.page}: a second form begins, of another department")


# The indicator block's own evidence of a lost end is judged while reading it (`_check_complete`):
# it needs the block's template rows, which name no indicator and make no record.
FAMILY = Family(
    doc_type=DocType.DEPT_TARGET_FORM,
    name_zh="部门整体(支出)(预算)绩效目标(申报)表",
    title=re.compile(r"部门整体(?:支出)?(?:预算)?绩效目标(?:申报)?表"),
    read=read,
    sections=(*SECTIONS, "facts"),
    one_document=one_document,
)

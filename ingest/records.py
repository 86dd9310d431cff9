"""Typed records, one type per raw table: the one declaration of their fields.

The raw tables and their Parquet files are derived from these dataclasses (ingest/zone.py); dbt
staging gives the columns their readers' names. Amounts are Decimal; lineage travels as fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

# Every Decimal field (amounts in 万元, scores, figures) is stored with this precision in raw.
DECIMAL_PRECISION, DECIMAL_SCALE = 20, 4


class DocType(StrEnum):
    DEPT_TARGET_FORM = "dept_target_form"  # 部门整体预算绩效目标申报表
    PROJECT_TARGET_TABLE = "project_target_table"  # 项目支出绩效目标表
    SELF_EVALUATION = "self_evaluation"  # 部门整体支出绩效自评报告
    DEPT_SELF_EVALUATION_TABLE = "dept_self_evaluation_table"  # 部门整体支出绩效自评表
    PROJECT_SELF_EVALUATION_TABLE = "project_self_evaluation_table"  # 项目支出绩效自评表


class YearSource(StrEnum):
    DOCUMENT = "document"  # printed in the title
    LANDING_PATH = "landing_path"  # <landing>/<year>/file.pdf
    OVERRIDE = "override"  # --year on the command line


@dataclass(frozen=True)
class BudgetLine:
    """One label/amount pair: a form's 预算整体情况 block, or a project table's unit total row."""

    section: str
    label: str
    amount_wan_yuan: Decimal | None  # None: the form left the cell blank (never read as 0)
    amount_text: str  # as printed; '' for a blank cell
    page: int
    row: int


@dataclass(frozen=True)
class KeyTask:
    """One row of 年度重点工作任务; a row continued on the next page keeps every page it spans."""

    name: str
    content: str
    funds_wan_yuan: Decimal | None
    goal: str
    pages: tuple[int, ...]
    row: int


@dataclass(frozen=True)
class Indicator:
    """One 绩效指标 row with a 三级指标; merged 一级/二级 labels carried down onto it."""

    level1: str | None
    level2: str | None
    name: str
    period_target: str | None  # None: the form prints one 指标值 column, the year's target
    annual_target: str
    page: int
    row: int


@dataclass(frozen=True)
class ProjectIndicator:
    """One numbered item of a project's 绩效指标 cell: "1、产出指标：<name>，年度指标值：<target>。"."""

    number: int  # as printed; numbering restarts inside one cell are kept
    level1: str  # 产出指标, 效益指标, 满意度指标, 成本指标
    name: str
    annual_target: str  # normalised spelling (≥80%), see ingest/targets.py
    text: str  # the item as printed


@dataclass(frozen=True)
class Project:
    """One row of 项目支出绩效目标表; blank amount cells are None, not zero."""

    name: str  # 项目名称（资金使用单位） as printed
    unit: str | None  # the fund-using unit in the name's trailing parentheses (黄埔区), if any
    total: Decimal | None
    fiscal: Decimal | None
    special_account: Decimal | None
    other: Decimal | None
    goal: str  # 绩效目标
    indicators: tuple[ProjectIndicator, ...]
    pages: tuple[int, ...]
    row: int


@dataclass(frozen=True)
class Score:
    """One row of a self-evaluation's score table; `subtotal` is the merged 合计 of its 一级指标."""

    level1: str
    level2: str | None
    score: Decimal | None
    subtotal: Decimal | None
    page: int
    row: int


@dataclass(frozen=True)
class Fact:
    """A figure stated in prose; `qualifier` (超过, 突破 …) makes `value` a lower bound.

    `value` is a Decimal, or the word itself for a grade such as 等级为优.
    """

    label: str
    value: Decimal | str
    unit: str | None
    qualifier: str | None
    text: str
    page: int
    row: int | None = None  # the table row, for figures read from a table rather than prose
    base_value: Decimal | None = None  # `value` in its base unit (亿元 → 万元), see ingest/measures.py
    base_unit: str | None = None


@dataclass(frozen=True)
class UnreadStatement:
    """A statement of figures the reader could not pair with their subjects (a 分别 list of three
    subjects and two figures): nothing of it lands as a fact; it is kept for the audit."""

    text: str
    reason: str
    page: int


@dataclass(frozen=True)
class TargetRecord:
    """One measurable statement of a target, parsed (ingest/targets.py), with where it was printed.

    `wording` names the measure: the target's own subject when it has one (高新技术企业认定数≥4000家),
    else the indicator's name (累计国家高新技术企业数量（家）).
    """

    source: str  # form_indicator | key_task | project_indicator
    source_line: int  # 1-based position of the indicator, task or project in its document
    period: str  # annual | implementation (实施周期)
    wording: str
    part_number: int
    kind: str  # numeric | range | rank | qualitative
    comparator: str | None
    value: Decimal | None
    value_high: Decimal | None
    unit: str | None
    base_value: Decimal | None
    base_unit: str | None
    part_text: str
    raw_text: str  # the whole target as printed
    page: int
    row: int


@dataclass(frozen=True)
class BudgetExecutionLine:
    """One line of a self-evaluation table's budget block (预算执行情况): 年度资金总额 or a 其中 line.

    Every figure is as printed; None where the cell is blank or holds a dash (— / -): the template
    prints 分值, 执行率 and 得分 on the 年度资金总额 line only.
    """

    label: str  # 年度资金总额, 财政拨款 (其中： taken off), 上年结转资金, 其他资金, 基本支出 …
    initial_budget: Decimal | None  # 年初预算数, 万元; not every template prints it
    annual_budget: Decimal | None  # 全年预算数 (A), 万元
    executed: Decimal | None  # 全年执行数 (B), 万元
    weight: Decimal | None  # 分值
    execution_rate_percent: Decimal | None  # 执行率 (B/A), in percent: 99.5 for "99.5%"
    score: Decimal | None  # 得分
    page: int
    row: int


@dataclass(frozen=True)
class EvaluatedIndicator:
    """One 三级指标 row of a self-evaluation table: the target, the actual, and the office's score.

    `target` and `actual` are the cells as printed; a 指标性质 (≥ = ≤) or 计量单位 column printed
    beside 年度指标值 is kept in its own field, and the target is read with them joined
    (ingest/targets.py).
    """

    level1: str | None  # 一级指标, merged labels carried down
    level2: str | None  # 二级指标
    name: str  # 三级指标
    target: str  # 年度指标值 as printed
    target_nature: str | None  # 指标性质 column, where printed
    target_unit: str | None  # 计量单位 column, where printed
    actual: str | None  # 实际完成值 as printed; None for a blank cell
    actual_value: Decimal | None  # the actual as a number, where it is one (92%, 4,000家); else None
    weight: Decimal | None  # 分值
    score: Decimal | None  # 得分
    deviation: str | None  # 偏差原因分析及改进措施
    page: int
    row: int


@dataclass(frozen=True)
class EvaluationSummary:
    """What a self-evaluation table evaluates, its 年度总体目标 and its 总分: one per document."""

    project: str | None  # 项目名称, for a 项目支出绩效自评表
    supervising_unit: str | None  # 主管部门
    implementing_unit: str | None  # 实施单位
    goal_expected: str | None  # 年度总体目标: 预期目标
    goal_achieved: str | None  # 年度总体目标: 实际完成情况
    total_weight: Decimal | None  # 总分 row: 分值 (100 on the national template)
    total_score: Decimal | None  # 总分 row: 得分
    page: int
    row: int


@dataclass(frozen=True)
class DocumentHeader:
    """What identifies a document: its bytes, its type, who published it and for which year."""

    sha256: str
    source_path: str
    doc_type: DocType
    department: str
    year: int
    year_source: YearSource
    page_count: int
    department_code: str | None = None  # from the departments seed; None: matches no bureau
    # Read by OCR from a scan (its figures proven, ingest/proof.py; its text may carry OCR noise).
    ocr: bool = False
    # What the document covers within its department and year, where that is less than the whole:
    # the project (项目名称) of a 项目支出绩效自评表. Versions of one document share it.
    subject: str | None = None


@dataclass
class ParsedDocument:
    header: DocumentHeader
    # Which record lists this parser reads for the document type; the JSON contract prints only these.
    sections: tuple[str, ...]
    budget_lines: list[BudgetLine] = field(default_factory=list)
    key_tasks: list[KeyTask] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    unread_statements: list[UnreadStatement] = field(default_factory=list)
    execution_lines: list[BudgetExecutionLine] = field(default_factory=list)
    evaluated_indicators: list[EvaluatedIndicator] = field(default_factory=list)
    evaluation: list[EvaluationSummary] = field(default_factory=list)  # one record, as a raw table
    targets: list[TargetRecord] = field(default_factory=list)  # parsed from the lists above
    overall_goal: str | None = None  # 总体绩效目标
    other_tasks: str | None = None  # 其他需完成的任务（可选填）, when filled

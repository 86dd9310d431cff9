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
    targets: list[TargetRecord] = field(default_factory=list)  # parsed from the lists above
    overall_goal: str | None = None  # 总体绩效目标
    other_tasks: str | None = None  # 其他需完成的任务（可选填）, when filled

"""Every reconciliation check: where it runs, how bad a failure is, and what it compares.

The dbt models `audit_document_checks` and `audit_cross_document_checks` compute one row per
check and subject (observed, expected, difference, tolerance); the suites judge those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Stage = Literal["documents", "warehouse"]
Severity = Literal["error", "warning"]

SUITE_NAMES: dict[Stage, str] = {"documents": "document_checks", "warehouse": "warehouse_checks"}
ROW_ID = "check_row_id"  # the column failures are reported by


@dataclass(frozen=True)
class Check:
    check_id: str
    number: str  # as numbered in the README's table of checks
    stage: Stage
    severity: Severity
    label: str  # the Chinese terms the documents use, so readers can find them in the PDF


CHECKS: tuple[Check, ...] = (
    Check(
        "budget_identity",
        "1",
        "documents",
        "error",
        "预算恒等式: 基本支出+项目支出+财政专项资金+其他事业发展性支出 = 财政拨款+其他资金",
    ),
    Check(
        "level_split",
        "2",
        "documents",
        "error",
        "本级/对下: 本级使用资金+拟用于对下转移支付资金 = 合计 or 财政专项资金",
    ),
    Check(
        "key_task_funds",
        "3",
        "documents",
        "warning",
        "年度重点工作任务资金 against 项目支出+财政专项资金+其他事业发展性支出 (or 本级使用资金)",
    ),
    Check("project_row_total", "4a", "documents", "error", "项目行: 总计 = 财政拨款+财政专户拨款+其他资金"),
    Check(
        "project_rows_sum", "4b", "documents", "error", "项目行之和 = 单位合计 (±0.005 万元 per figure added)"
    ),
    Check("score_subtotals", "5a", "documents", "error", "自评得分: 二级指标得分之和 = 合计"),
    Check("score_total", "5b", "documents", "error", "自评得分: 合计之和 = 总分"),
    Check("execution_split", "5c", "documents", "error", "预算执行: 基本支出+项目支出 = 执行数"),
    Check(
        "execution_rate",
        "5d",
        "documents",
        "error",
        "预算完成率 = 执行数/全年预算数, to the printed precision",
    ),
    Check(
        "year_known",
        "6a",
        "documents",
        "error",
        "覆盖: the document's year (年度) is plausible (1990 … next year)",
    ),
    Check(
        "wordings_mapped",
        "6b",
        "documents",
        "warning",
        "覆盖: every indicator wording mapped to the catalog or listed as unmapped",
    ),
    Check(
        "comparators_agree", "6c", "documents", "warning", "年度指标值 comparator agrees with 实施周期指标值"
    ),
    # A department the seed does not know lands under its printed name (and in
    # audit_unmatched_departments): a seed row to add, not a document to refuse.
    Check(
        "department_known",
        "6d",
        "documents",
        "warning",
        "覆盖: the printed 部门名称 matches a row of seeds/departments.csv",
    ),
    Check(
        "key_task_matches_project",
        "7",
        "warehouse",
        "error",
        "年度重点工作任务 = 项目支出绩效目标表 row of the same name",
    ),
    Check(
        "transfer_payments",
        "8",
        "warehouse",
        "error",
        "项目行 designated to a district (资金使用单位) add up to 拟用于对下转移支付资金",
    ),
    Check(
        "self_evaluation_budget",
        "9",
        "warehouse",
        "warning",
        "自评报告 全年预算数 against the year's 申报表 财政拨款+其他资金",
    ),
)

BY_ID = {check.check_id: check for check in CHECKS}


def checks_of(stage: Stage) -> tuple[Check, ...]:
    return tuple(check for check in CHECKS if check.stage == stage)

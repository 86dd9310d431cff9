"""Reconciliation on the sample documents: real dbt models, real GE suites, exact figures."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from expectations.checks import CHECKS
from jixiao.stages.check import verdict
from jixiao.stages.check.results import StageResult
from tests.conftest import SAMPLE_RUN_ID, SampleWarehouse
from tests.jixiao.stages.check.test_self_evaluation_tables import TABLE_CHECKS


@pytest.fixture(scope="module")
def checked(sample_warehouse: SampleWarehouse) -> dict[str, Any]:
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        rows = connection.execute(
            """
            select check_id, documents, subject, observed, expected, outcome, expected_label
            from reconciliation.results where run_id = ?
            """,
            [SAMPLE_RUN_ID],
        ).fetchall()
    return {
        "settings": sample_warehouse.settings,
        "documents": sample_warehouse.documents,
        "warehouse": sample_warehouse.warehouse,
        "rows": rows,
    }


def results(checked: dict[str, Any], check_id: str, document: str = "") -> list[tuple[Any, ...]]:
    return [row[2:] for row in checked["rows"] if row[0] == check_id and document in row[1]]


def test_every_error_level_check_passes_and_only_the_huangpu_task_gap_warns(checked: dict[str, Any]) -> None:
    documents: StageResult = checked["documents"]
    warehouse: StageResult = checked["warehouse"]
    assert documents.failures == [] and warehouse.failures == []
    assert documents.rejected == []
    warned = [row for row in checked["rows"] if row[5] == "warned"]
    assert [(row[0], row[1]) for row in warned] == [
        ("key_task_funds", "2023/huangpu_2023_dept_target_form.pdf")
    ]
    assert verdict(dataclasses.asdict(documents)) == []


def test_budget_identity_and_level_split_hold_with_the_printed_figures(checked: dict[str, Any]) -> None:
    assert results(checked, "budget_identity", "huangpu_2023") == [
        (None, Decimal("364607.2000"), Decimal("364607.2000"), "passed", "财政拨款+其他资金")
    ]
    # Guangzhou splits 财政专项资金 into 本级 and 对下; Huangpu splits the whole budget.
    assert results(checked, "level_split", "guangzhou_2023") == [
        (None, Decimal("470390.5600"), Decimal("470390.5600"), "passed", "财政专项资金")
    ]
    assert results(checked, "level_split", "huangpu_2023") == [
        (None, Decimal("364607.2000"), Decimal("364607.2000"), "passed", "财政拨款+其他资金")
    ]


def test_key_task_funds_gap_is_reported(checked: dict[str, Any]) -> None:
    assert results(checked, "key_task_funds", "huangpu_2023") == [
        (
            None,
            Decimal("360977.0000"),
            Decimal("362266.0700"),
            "warned",
            "项目支出+财政专项资金+其他事业发展性支出",
        )
    ]
    assert results(checked, "key_task_funds", "guangzhou_2023") == [
        (None, Decimal("412768.5600"), Decimal("412768.5600"), "passed", "本级使用资金")
    ]


def test_project_rows_add_up_within_rounding(checked: dict[str, Any]) -> None:
    assert results(checked, "project_rows_sum") == [
        (None, Decimal("476904.3000"), Decimal("476904.2900"), "passed", "单位合计 总计")
    ]
    rows = results(checked, "project_row_total")
    assert len(rows) == 26 and {row[3] for row in rows} == {"passed"}


def test_self_evaluation_scores_and_execution_add_up(checked: dict[str, Any]) -> None:
    assert results(checked, "score_total") == [
        (None, Decimal("94.5700"), Decimal("94.5700"), "passed", "总分")
    ]
    assert sorted(row[:4] for row in results(checked, "score_subtotals")) == [
        ("履职效能", Decimal("45.0700"), Decimal("45.0700"), "passed"),
        ("管理效率", Decimal("49.5000"), Decimal("49.5000"), "passed"),
    ]
    assert results(checked, "execution_split")[0][1:4] == (
        Decimal("383193.5300"),
        Decimal("383193.5300"),
        "passed",
    )
    assert results(checked, "execution_rate")[0][1:4] == (Decimal("99.9000"), Decimal("99.9000"), "passed")


def test_guangzhou_form_and_project_table_agree(checked: dict[str, Any]) -> None:
    tasks = {
        row[0][4:]: (row[1], row[3]) for row in results(checked, "key_task_matches_project", "guangzhou")
    }
    assert tasks == {
        "基础研究计划": (Decimal("115233.6600"), "passed"),
        "重点研发计划": (Decimal("68323.5600"), "passed"),
        "企业创新计划": (Decimal("182186.0800"), "passed"),
        "创新环境计划": (Decimal("21833.0000"), "passed"),
        "人才支撑计划": (Decimal("25192.2600"), "passed"),
    }
    assert results(checked, "transfer_payments", "guangzhou") == [
        (None, Decimal("57622.0000"), Decimal("57622.0000"), "passed", "拟用于对下转移支付资金")
    ]


def test_checks_without_all_their_documents_are_not_applicable(checked: dict[str, Any]) -> None:
    # Huangpu 2023 has no project table among the samples; no year has both a form and a self-evaluation.
    assert {row[3] for row in results(checked, "key_task_matches_project", "huangpu")} == {"not_applicable"}
    assert {row[3] for row in results(checked, "transfer_payments", "huangpu")} == {"not_applicable"}
    assert {row[3] for row in results(checked, "self_evaluation_budget")} == {"not_applicable"}
    assert checked["warehouse"].checks["self_evaluation_budget"] == "not_applicable"


def test_every_check_of_the_suites_has_rows(checked: dict[str, Any]) -> None:
    # But the self-evaluation tables' (10a-10f): no sample is one (test_self_evaluation_tables.py).
    assert {row[0] for row in checked["rows"]} == {check.check_id for check in CHECKS} - set(TABLE_CHECKS)


def test_data_docs_are_built(checked: dict[str, Any]) -> None:
    index = checked["settings"].state.data_docs_index
    assert index.is_file()
    pages = list(index.parent.rglob("*.html"))
    assert any("warehouse_checks" in page.read_text(encoding="utf-8") for page in pages)

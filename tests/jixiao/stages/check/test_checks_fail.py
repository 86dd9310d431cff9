"""Every error-level check of a document can fail: one landed build of the samples, each document's
raw records edited so that one figure is misread the way a parser or a publisher could misread it,
then the real dbt project and the real suites. The passing figures are in test_checks_on_samples.py.

One build serves every check: each check's row is judged on its own, so a document failing two
checks shows two failed rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest

from expectations.checks import CHECKS
from jixiao.stages.check.results import StageResult
from tests.conftest import transform
from tests.jixiao.stages.check.conftest import Builder
from tests.jixiao.stages.check.test_decisions import GUANGZHOU_FORM, HUANGPU_FORM, sha_of
from tests.jixiao.stages.check.test_self_evaluation_tables import TABLE_FAILING_CASES

pytestmark = pytest.mark.rebuilds

PROJECT_TABLE = "2023/guangzhou_2023_project_target_table.pdf"
SELF_EVALUATION = "2022/huangpu_2022_self_evaluation.pdf"


def set_line(connection: duckdb.DuckDBPyConnection, source_path: str, label: str, amount: str) -> None:
    connection.execute(
        "update raw.budget_lines set amount_wan_yuan = ? where document_sha256 = ? and label = ?",
        [Decimal(amount), sha_of(connection, source_path), label],
    )


def set_fact(connection: duckdb.DuckDBPyConnection, label: str, value: str) -> None:
    connection.execute(
        "update raw.facts set value = ? where document_sha256 = ? and label = ?",
        [value, sha_of(connection, SELF_EVALUATION), label],
    )


def misread(connection: duckdb.DuckDBPyConnection) -> None:
    # 2, district: 区本级使用资金 and 对下 both misread as 0.00 where 财政专项资金 is 0.00. Either
    # side matching would pass it; by its level the total (364,607.20) is expected.
    set_line(connection, HUANGPU_FORM, "区本级使用资金", "0")
    # 2, city: 本级 + 对下 = the total instead of 财政专项资金 (470,390.56).
    set_line(connection, GUANGZHOU_FORM, "市本级使用资金", "437149.98")
    set_line(connection, GUANGZHOU_FORM, "拟用于对下转移支付资金", "57622.56")
    # 6a: a year misread from the title.
    connection.execute("update raw.documents set year = 2093 where source_path = ?", [GUANGZHOU_FORM])
    # 4a: one project row's 总计 one cent off its sources; 4b: the unit total past the rounding.
    sha = sha_of(connection, PROJECT_TABLE)
    connection.execute(
        "update raw.projects set total = total + 0.01 where document_sha256 = ? and line_number = 3",
        [sha],
    )
    set_line(connection, PROJECT_TABLE, "总计", "476904.00")
    # 5a: one score off its 合计; 5b: 总分 off the 合计; 5c: 基本支出 off 执行数; 5d: the rate off.
    sha = sha_of(connection, SELF_EVALUATION)
    connection.execute(
        "update raw.scores set score = score + 1 where document_sha256 = ? and level2 = '预算编制'", [sha]
    )
    connection.execute(
        "update raw.scores set score = score - 1 where document_sha256 = ? and level1 = '总分'", [sha]
    )
    set_fact(connection, "基本支出", "2290.3")
    set_fact(connection, "预算完成率", "98.9")


@pytest.fixture(scope="module")
def checked(
    module_build_with: Builder, tmp_path_factory: pytest.TempPathFactory
) -> tuple[StageResult, list[tuple[Any, ...]]]:
    settings, build = module_build_with(misread)
    documents, _ = transform(settings, build, tmp_path_factory.mktemp("misread"))
    with duckdb.connect(str(build), read_only=True) as connection:
        rows = connection.execute(
            "select check_id, documents, outcome, observed, expected, expected_label, tolerance"
            " from reconciliation.results where run_id = 'test_run' order by all"
        ).fetchall()
    return documents, rows


def outcome(rows: list[tuple[Any, ...]], check_id: str, document: str) -> list[tuple[Any, ...]]:
    return [row[2:] for row in rows if row[0] == check_id and row[1] == document]


def test_a_district_form_is_held_to_the_total_by_its_level(checked: tuple[StageResult, list[Any]]) -> None:
    _, rows = checked
    assert outcome(rows, "level_split", HUANGPU_FORM) == [
        ("failed", Decimal("0.0000"), Decimal("364607.2000"), "财政拨款+其他资金", Decimal("0"))
    ]


def test_a_city_form_is_held_to_its_special_funds_by_its_level(
    checked: tuple[StageResult, list[Any]],
) -> None:
    _, rows = checked
    assert outcome(rows, "level_split", GUANGZHOU_FORM) == [
        ("failed", Decimal("494772.5400"), Decimal("470390.5600"), "财政专项资金", Decimal("0"))
    ]


def print_on_the_city_template(connection: duckdb.DuckDBPyConnection) -> None:
    # 黄埔's form as a district office printing the city's template would: 100,000.00 of 项目支出
    # shown as 财政专项资金 (the budget identity still holds), split into 区本级 and 对下.
    set_line(connection, HUANGPU_FORM, "项目支出", "214266.07")
    set_line(connection, HUANGPU_FORM, "财政专项资金", "100000.00")
    set_line(connection, HUANGPU_FORM, "区本级使用资金", "50000.00")
    set_line(connection, HUANGPU_FORM, "拟用于对下转移支付资金", "50000.00")


def test_a_district_form_splitting_its_special_funds_passes(
    module_build_with: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings, build = module_build_with(print_on_the_city_template)
    transform(settings, build, tmp_path_factory.mktemp("city_template"))
    with duckdb.connect(str(build), read_only=True) as connection:
        rows = connection.execute(
            "select check_id, documents, outcome, observed, expected, expected_label, tolerance"
            " from reconciliation.results where run_id = 'test_run' and check_id = 'level_split'"
        ).fetchall()
    assert outcome(rows, "level_split", HUANGPU_FORM) == [
        ("passed", Decimal("100000.0000"), Decimal("100000.0000"), "财政专项资金", Decimal("0"))
    ]


def test_every_other_error_level_check_fails_on_its_misread_figure(
    checked: tuple[StageResult, list[Any]],
) -> None:
    _, rows = checked
    failed = {(row[0], row[1]) for row in rows if row[2] == "failed"}
    assert {
        ("year_known", GUANGZHOU_FORM),
        ("project_row_total", PROJECT_TABLE),
        ("project_rows_sum", PROJECT_TABLE),
        ("score_subtotals", SELF_EVALUATION),
        ("score_total", SELF_EVALUATION),
        ("execution_split", SELF_EVALUATION),
        ("execution_rate", SELF_EVALUATION),
    } <= failed
    # 26 rows and the total, each printed to the cent: up to 0.135 of rounding, not more.
    ((_, observed, expected, _, tolerance),) = outcome(rows, "project_rows_sum", PROJECT_TABLE)
    assert (observed - expected, tolerance) == (Decimal("0.3100"), Decimal("0.1350"))  # row 3 adds 0.01


def test_every_document_with_a_failed_error_check_is_rejected(checked: tuple[StageResult, list[Any]]) -> None:
    documents, rows = checked
    assert {item["source_path"] for item in documents.rejected} == {
        HUANGPU_FORM,
        GUANGZHOU_FORM,
        PROJECT_TABLE,
        SELF_EVALUATION,
    }
    document_error_checks = {c.check_id for c in CHECKS if c.stage == "documents" and c.severity == "error"}
    failing = {row[0] for row in rows if row[2] == "failed"}
    # Check 1: test_decisions.py; the self-evaluation tables' (no sample is one): in
    # test_self_evaluation_tables.py.
    assert document_error_checks - failing == {"budget_identity", *TABLE_FAILING_CASES}


def test_rounding_within_the_tolerance_still_passes(
    module_build_with: Builder, tmp_path_factory: pytest.TempPathFactory
) -> None:
    def within_rounding(connection: duckdb.DuckDBPyConnection) -> None:
        set_line(connection, PROJECT_TABLE, "总计", "476904.17")  # the rows add up to 476,904.30

    settings, build = module_build_with(within_rounding)
    documents, _ = transform(settings, build, tmp_path_factory.mktemp("rounding"))
    assert documents.checks["project_rows_sum"] == "passed"
    assert documents.rejected == []


def test_the_check_list_has_a_failing_case_for_every_error_level_document_check() -> None:
    # Guards this file against a check added later without a failing case here.
    covered = {"level_split", "year_known", "project_row_total", "project_rows_sum", "score_subtotals"}
    covered |= {"score_total", "execution_split", "execution_rate", "budget_identity"}
    covered |= TABLE_FAILING_CASES
    assert {c.check_id for c in CHECKS if c.stage == "documents" and c.severity == "error"} == covered

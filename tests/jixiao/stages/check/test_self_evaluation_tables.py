"""Checks 10a-10f on the self-evaluation tables (部门整体 and 项目支出绩效自评表) of
tests/fixtures/family/self_evaluation_tables/, landed with the samples: every check passes on every
table, each of them consistent; then one build with one figure per error check misread in the raw
records (the way test_checks_fail.py misreads the samples'), each in a table of its own, through the
real dbt project, the real suites and the marts: the table is held back and its finding published.
The marts the tables feed: test_self_evaluation_table_marts.py."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.checks import CHECKS
from jixiao.runtime.settings import Settings
from jixiao.stages.check.results import StageResult
from tests.conftest import SampleWarehouse, transform
from tests.jixiao.stages.check.test_decisions import sha_of
from tests.jixiao.stages.conftest import TABLES_RUN_ID, table_landing_paths

GUANGZHOU_DEPT = "2023/guangzhou_2023_dept_self_evaluation_table.pdf"
PRODUCTIVITY_CENTRE = "2023/guangzhou_2023_dept_self_evaluation_table_productivity_centre.pdf"
BASIC_RESEARCH = "2023/guangzhou_2023_project_self_evaluation_table_basic_research.pdf"
INCUBATORS = "2023/huangpu_2023_project_self_evaluation_table_incubators.pdf"
ENTERPRISE_RD = "2024/nansha_2024_project_self_evaluation_table_enterprise_rd.pdf"
VOUCHERS = "2024/panyu_2024_project_self_evaluation_table_innovation_vouchers.pdf"
TIANHE_DEPT = "2024/tianhe_2024_dept_self_evaluation_table.pdf"
TABLES = (
    GUANGZHOU_DEPT,
    PRODUCTIVITY_CENTRE,
    BASIC_RESEARCH,
    INCUBATORS,
    ENTERPRISE_RD,
    VOUCHERS,
    TIANHE_DEPT,
)
TABLE_CHECKS = (
    "table_score_total",
    "table_score_within_weight",
    "table_weight_total",
    "table_execution_rate",
    "table_funds_split",
    "table_execution_score",
)
# The error-level checks a misread figure fails here (10f, a warning, warns).
TABLE_FAILING_CASES = {
    "table_score_total",
    "table_score_within_weight",
    "table_weight_total",
    "table_execution_rate",
    "table_funds_split",
}
RESULT_COLUMNS = (
    "check_id, subject, observed_label, observed, expected_label, expected, tolerance, outcome, detail"
)
D = Decimal


def results(warehouse: Path, run_id: str, where: str, parameters: list[Any]) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            f"select {RESULT_COLUMNS} from reconciliation.results where run_id = ? and {where} order by all",
            [run_id, *parameters],
        ).fetchall()


def outcomes_by_document(warehouse: Path, run_id: str) -> dict[str, dict[str, str]]:
    """Each table's verdict per check, as a night counts it: failed, warned, passed, or not_applicable
    when no row of the check applies."""
    rank = ("failed", "warned", "passed", "not_applicable")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select documents, check_id, list(distinct outcome) from reconciliation.results"
            " where run_id = ? and check_id like 'table_%' group by all",
            [run_id],
        ).fetchall()
    found: dict[str, dict[str, str]] = {}
    for document, check_id, seen in rows:
        found.setdefault(document, {})[check_id] = next(name for name in rank if name in seen)
    return found


def test_the_catalogue_numbers_the_table_checks_10a_to_10f() -> None:
    numbered = {check.check_id: (check.number, check.stage, check.severity) for check in CHECKS}
    assert {check_id: numbered[check_id] for check_id in TABLE_CHECKS} == {
        "table_score_total": ("10a", "documents", "error"),
        "table_score_within_weight": ("10b", "documents", "error"),
        "table_weight_total": ("10c", "documents", "error"),
        "table_execution_rate": ("10d", "documents", "error"),
        "table_funds_split": ("10e", "documents", "error"),
        "table_execution_score": ("10f", "documents", "warning"),
    }


def test_the_fixtures_are_the_tables_this_module_knows() -> None:
    assert sorted(table_landing_paths()) == sorted(TABLES)


def test_every_table_check_passes_on_every_consistent_table(table_warehouse: SampleWarehouse) -> None:
    assert table_warehouse.documents.rejected == [] and table_warehouse.documents.failures == []
    passed = dict.fromkeys(TABLE_CHECKS, "passed")
    assert outcomes_by_document(table_warehouse.path, TABLES_RUN_ID) == dict.fromkeys(TABLES, passed)
    # 黄埔's task-fund gap, as on the samples, and the tables' one warning: the productivity centre
    # is in no row of the departments seed (it lands under its printed name).
    checks = table_warehouse.documents.checks
    assert {check_id: verdict for check_id, verdict in checks.items() if verdict != "passed"} == {
        "key_task_funds": "warned",
        "department_known": "warned",
    }


def test_the_national_layout_adds_up_figure_by_figure(table_warehouse: SampleWarehouse) -> None:
    rows = results(
        table_warehouse.path,
        TABLES_RUN_ID,
        "documents = ? and check_id like 'table_%' and check_id <> 'table_score_within_weight'",
        [GUANGZHOU_DEPT],
    )
    rule = "min(执行率, 100%) × 分值 (rounded to the printed precision)"
    rate = "全年执行数/全年预算数 (%, rounded to the printed precision)"
    assert rows == [
        ("table_execution_rate", None, "执行率 (printed %)", D("98.42"), rate, D("98.42"), D(0), "passed",
         "全年执行数/全年预算数 = 98.4213%"),
        ("table_execution_score", None, "预算执行得分", D("9.84"), rule, D("9.84"), D(0), "passed", None),
        ("table_funds_split", "全年执行数 按资金来源", "当年财政拨款+上年结转资金", D("296530.18"),
         "年度资金总额 全年执行数", D("296530.18"), D(0), "passed", None),
        ("table_funds_split", "全年预算数 按资金来源", "当年财政拨款+上年结转资金", D("301286.47"),
         "年度资金总额 全年预算数", D("301286.47"), D(0), "passed", None),
        ("table_funds_split", "年初预算数 按资金来源", "当年财政拨款", D("286413.52"),
         "年度资金总额 年初预算数", D("286413.52"), D(0), "passed", None),
        ("table_score_total", None, "预算执行得分+各指标得分", D("97.84"), "总分 得分", D("97.84"), D(0),
         "passed", None),
        ("table_weight_total", None, "预算执行分值+各指标分值", D(100), "总分 分值", D(100), D(0), "passed",
         None),
    ]  # fmt: skip


def test_blank_scores_and_a_missing_column_are_not_applicable_rows(table_warehouse: SampleWarehouse) -> None:
    """天河 left two 得分 blank (its statistics were not out) and prints no 年初预算数: those rows are
    not applicable, never passed; the blank scores add nothing to 总分; the 其中 lines split the
    total by kind of spending (基本支出, 项目支出)."""
    rows = results(
        table_warehouse.path,
        TABLES_RUN_ID,
        "documents = ? and (outcome = 'not_applicable'"
        " or check_id in ('table_score_total', 'table_funds_split')"
        " or subject in ('018 高新技术企业营业收入增长率', '预算执行 年度资金总额'))",
        [TIANHE_DEPT],
    )
    weight = "分值 (the most 得分 may be)"
    assert rows == [
        ("table_funds_split", "全年执行数 按支出性质", "基本支出+项目支出", D("12107.92"),
         "年度资金总额 全年执行数", D("12107.92"), D(0), "passed", None),
        ("table_funds_split", "全年预算数 按支出性质", "基本支出+项目支出", D("12864.35"),
         "年度资金总额 全年预算数", D("12864.35"), D(0), "passed", None),
        ("table_funds_split", "年初预算数 按支出性质", "其中", None, "年度资金总额 年初预算数", None, D(0),
         "not_applicable", "年初预算数 not printed"),
        ("table_score_total", None, "预算执行得分+各指标得分", D("87.91"), "总分 得分", D("87.91"), D(0),
         "passed", "2 得分 blank, added as nothing"),
        # A score short of its weight passes: the tolerance is the shortfall.
        ("table_score_within_weight", "012 资金拨付及时率", "得分", None, weight, None, D(0),
         "not_applicable", "得分 blank"),
        ("table_score_within_weight", "017 全区研发投入强度", "得分", None, weight, None, D(0),
         "not_applicable", "得分 blank"),
        ("table_score_within_weight", "018 高新技术企业营业收入增长率", "得分", D(3), weight, D(4), D(1),
         "passed", None),
        ("table_score_within_weight", "预算执行 年度资金总额", "得分", D("9.41"), weight, D(10), D("0.59"),
         "passed", None),
    ]  # fmt: skip


# ---- one figure misread per check, each in a table of its own ------------------------------------


def set_figure(
    connection: duckdb.DuckDBPyConnection,
    source_path: str,
    table: str,
    column: str,
    where: str,
    value: Decimal,
) -> None:
    """One figure of one table's raw records: `column` of the rows of `table` that `where` picks."""
    connection.execute(
        f"update raw.{table} set {column} = ? where {where} and document_sha256 = ?",
        [value, sha_of(connection, source_path)],
    )


def misread(connection: duckdb.DuckDBPyConnection) -> None:
    # 10a: 总分's 得分 misread, 97.84 → 98.84.
    set_figure(connection, GUANGZHOU_DEPT, "evaluations", "total_score", "true", D("98.84"))
    # 10b: 扶持众创空间数量 scored 7 of its 6, 新增在孵企业数 4 of 6: the total still adds up.
    set_figure(connection, INCUBATORS, "evaluated_indicators", "score", "name = '扶持众创空间数量'", D(7))
    set_figure(connection, INCUBATORS, "evaluated_indicators", "score", "name = '新增在孵企业数'", D(4))
    # 10c: a weight misread, 10 → 12 (its score of 10 still within it).
    set_figure(
        connection,
        PRODUCTIVITY_CENTRE,
        "evaluated_indicators",
        "weight",
        "name = '培训科技服务人员数'",
        D(12),
    )
    # 10d: 执行率 98.54% read as 98.45% (its 得分 9.85 still 10 × 98.45% to the cent, half up).
    set_figure(
        connection, ENTERPRISE_RD, "execution_lines", "execution_rate_percent", "line_number = 1", D("98.45")
    )
    # 10e: a 其中 line's 全年执行数 with two digits swapped, 1,386.25 → 1,368.25.
    set_figure(connection, VOUCHERS, "execution_lines", "executed", "label = '财政拨款'", D("1368.25"))
    # 10f (a warning): the budget line scored 9.14 where 10 × 94.12% is 9.41; 总分 agrees with it.
    set_figure(connection, TIANHE_DEPT, "execution_lines", "score", "line_number = 1", D("9.14"))
    set_figure(connection, TIANHE_DEPT, "evaluations", "total_score", "true", D("87.64"))


@pytest.fixture(scope="module")
def misread_build(
    landed_tables: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, StageResult]:
    """The landed tables with one figure per check misread, through the transform's order."""
    settings, pristine = landed_tables
    root = tmp_path_factory.mktemp("misread-tables")
    settings = dataclasses.replace(settings, state_dir=root / "state")
    build = settings.state.transform_warehouse
    build.parent.mkdir(parents=True)
    shutil.copy2(pristine, build)
    with duckdb.connect(str(build)) as connection:
        misread(connection)
    documents, _ = transform(settings, build, root / "dbt")
    return build, documents


@pytest.mark.rebuilds
def test_each_misread_figure_fails_its_check_alone(misread_build: tuple[Path, StageResult]) -> None:
    build, _ = misread_build
    errors = {
        check.check_id for check in CHECKS if check.check_id in TABLE_CHECKS and check.severity == "error"
    }
    assert errors == TABLE_FAILING_CASES
    passed = dict.fromkeys(TABLE_CHECKS, "passed")
    assert outcomes_by_document(build, "test_run") == {
        GUANGZHOU_DEPT: {**passed, "table_score_total": "failed"},
        INCUBATORS: {**passed, "table_score_within_weight": "failed"},
        PRODUCTIVITY_CENTRE: {**passed, "table_weight_total": "failed"},
        ENTERPRISE_RD: {**passed, "table_execution_rate": "failed"},
        VOUCHERS: {**passed, "table_funds_split": "failed"},
        TIANHE_DEPT: {**passed, "table_execution_score": "warned"},
        BASIC_RESEARCH: passed,
    }


@pytest.mark.rebuilds
def test_the_failed_rows_name_both_sides(misread_build: tuple[Path, StageResult]) -> None:
    build, documents = misread_build
    rows = results(build, "test_run", "check_id like 'table_%' and outcome in ('failed', 'warned')", [])
    assert rows == [
        ("table_execution_rate", None, "执行率 (printed %)", D("98.45"),
         "全年执行数/全年预算数 (%, rounded to the printed precision)", D("98.54"), D(0), "failed",
         "全年执行数/全年预算数 = 98.5397%"),
        ("table_execution_score", None, "预算执行得分", D("9.14"),
         "min(执行率, 100%) × 分值 (rounded to the printed precision)", D("9.41"), D(0), "warned", None),
        ("table_funds_split", "全年执行数 按资金来源", "财政拨款", D("1368.25"), "年度资金总额 全年执行数",
         D("1386.25"), D(0), "failed", None),
        ("table_score_total", None, "预算执行得分+各指标得分", D("97.84"), "总分 得分", D("98.84"), D(0),
         "failed", None),
        ("table_score_within_weight", "002 扶持众创空间数量", "得分", D(7), "分值 (the most 得分 may be)",
         D(6), D(0), "failed", "得分 above its 分值"),
        ("table_weight_total", None, "预算执行分值+各指标分值", D(102), "总分 分值", D(100), D(0), "failed",
         None),
    ]  # fmt: skip
    assert (
        f"{GUANGZHOU_DEPT}: check 10a table_score_total (error): 预算执行得分+各指标得分 = 97.84 but"
        " 总分 得分 = 98.84 (difference -1, tolerance 0)"
    ) in documents.failures


@pytest.mark.rebuilds
def test_a_table_that_contradicts_itself_is_held_back_and_found(
    misread_build: tuple[Path, StageResult],
) -> None:
    build, documents = misread_build
    held_back = [GUANGZHOU_DEPT, PRODUCTIVITY_CENTRE, INCUBATORS, ENTERPRISE_RD, VOUCHERS]
    assert sorted(item["source_path"] for item in documents.rejected) == sorted(held_back)
    with duckdb.connect(str(build), read_only=True) as connection:
        findings = connection.execute(
            "select check_number, check_id, severity, source_paths, subject, difference, held_back_documents"
            " from marts.mart_reconciliation_findings where check_id like 'table_%' order by check_number"
        ).fetchall()
        serving = connection.execute(
            "select source_path from marts.fct_self_evaluation_table order by 1"
        ).fetchall()
    assert findings == [
        ("10a", "table_score_total", "error", GUANGZHOU_DEPT, None, D(-1), GUANGZHOU_DEPT),
        ("10b", "table_score_within_weight", "error", INCUBATORS, "002 扶持众创空间数量", D(1), INCUBATORS),
        ("10c", "table_weight_total", "error", PRODUCTIVITY_CENTRE, None, D(2), PRODUCTIVITY_CENTRE),
        ("10d", "table_execution_rate", "error", ENTERPRISE_RD, None, D("-0.09"), ENTERPRISE_RD),
        ("10e", "table_funds_split", "error", VOUCHERS, "全年执行数 按资金来源", D(-18), VOUCHERS),
        ("10f", "table_execution_score", "warning", TIANHE_DEPT, None, D("-0.27"), None),
    ]
    # Out of the marts, as any rejected document: only the consistent table and the warned one serve.
    assert serving == [(BASIC_RESEARCH,), (TIANHE_DEPT,)]


@pytest.mark.rebuilds
def test_with_its_table_held_back_the_trend_falls_back_on_the_form(
    misread_build: tuple[Path, StageResult],
) -> None:
    build, _ = misread_build
    with duckdb.connect(str(build), read_only=True) as connection:
        rows = connection.execute(
            "select indicator_code, target_text, target_source, actual_text, attainment, pair_source"
            " from marts.mart_indicator_trend where department_key = 'gz_sti' and fiscal_year = 2023"
            " and indicator_code in ('high_tech_enterprise_certified', 'technology_contract_turnover')"
            " order by 1"
        ).fetchall()
    assert rows == [
        ("high_tech_enterprise_certified", "高新技术企业认定数≥4000家", "form_indicator", None,
         "no actual yet", "targets_and_report"),
        ("technology_contract_turnover", "全市技术合同成交额≥2600亿元", "form_indicator", None,
         "no actual yet", "targets_and_report"),
    ]  # fmt: skip

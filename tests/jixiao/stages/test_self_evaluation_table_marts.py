"""What the self-evaluation tables (部门整体 and 项目支出绩效自评表) give the marts, on the samples and
the tables landed together and completed by the real dbt project (the session's table warehouse,
shared with the tables' checks and the report): their budget blocks, their scored indicators, their
actuals beside the reports', and target attainment paired within one table. Whole rows, exact
decimals. (The dbt unit tests hold the rules on made-up rows: the pairing in mart_indicator_trend,
the project match in int_project_evaluations_matched.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb

from tests.conftest import SampleWarehouse

D = Decimal
GUANGZHOU_DEPT = "2023/guangzhou_2023_dept_self_evaluation_table.pdf"
INCUBATORS = "2023/huangpu_2023_project_self_evaluation_table_incubators.pdf"
TIANHE_DEPT = "2024/tianhe_2024_dept_self_evaluation_table.pdf"
TABLE = "self_evaluation_table"


def query(warehouse: SampleWarehouse, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_the_trend_pairs_target_and_actual_within_one_table(table_warehouse: SampleWarehouse) -> None:
    """Where a table of the department and year states a catalogue indicator, target and actual are
    its row, met or not met: 广州 2023's table replaces the form's 认定数 and 成交额 targets (≥4000家
    stays, ≥2600亿元 becomes the table's ≥2500), 天河 2024's 研发投入强度 was left blank."""
    rows = query(
        table_warehouse,
        "select department_key, fiscal_year, indicator_code, target_comparator, target_base_value,"
        " target_text, target_source, actual_base_value, actual_text, attainment, pair_source,"
        " pair_source_path from marts.mart_indicator_trend"
        " where pair_source = 'self_evaluation_table' and indicator_code is not null order by all",
    )
    gz, hp, th = GUANGZHOU_DEPT, INCUBATORS, TIANHE_DEPT
    assert rows == [
        ("gz_sti", 2023, "high_tech_enterprise_certified", "≥", D(4000), "≥4000家",
         "evaluation_indicator", D(4386), "4386家", "met", TABLE, gz),
        ("gz_sti", 2023, "rd_intensity", "≥", D("3.1"), "≥3.1%",
         "evaluation_indicator", D("3.43"), "3.43%", "met", TABLE, gz),
        ("gz_sti", 2023, "tech_sme_count", "≥", D(18000), "≥18000家",
         "evaluation_indicator", D(17236), "17236家", "not met", TABLE, gz),
        # 技术合同成交额（亿元）: the unit in the indicator's name, compared in 万元.
        ("gz_sti", 2023, "technology_contract_turnover", "≥", D(25000000), "≥2500",
         "evaluation_indicator", D(30328600), "3032.86", "met", TABLE, gz),
        ("huangpu_sti", 2023, "national_incubator_good_rate", "≥", D(80), "≥80%",
         "evaluation_indicator", D("85.71"), "85.71%", "met", TABLE, hp),
        # 天河 prints 指标性质 and 计量单位 in columns of their own: read with the value.
        ("tianhe_sti", 2024, "high_tech_enterprise_certified", "≥", D(800), "≥800家",
         "evaluation_indicator", D(856), "856", "met", TABLE, th),
        ("tianhe_sti", 2024, "incubator_count", "≥", D(40), "≥40家",
         "evaluation_indicator", D(42), "42", "met", TABLE, th),
        ("tianhe_sti", 2024, "rd_intensity", "≥", D("3.2"), "≥3.2%",
         "evaluation_indicator", None, None, "no actual yet", TABLE, th),
        ("tianhe_sti", 2024, "tech_sme_count", "≥", D(3000), "≥3000家",
         "evaluation_indicator", D(3214), "3214", "met", TABLE, th),
        ("tianhe_sti", 2024, "technology_contract_turnover", "≥", D(1500000), "≥150亿元",
         "evaluation_indicator", D(1863400), "186.34", "met", TABLE, th),
    ]  # fmt: skip


def test_where_no_table_states_it_the_form_and_the_report_pair_as_before(
    table_warehouse: SampleWarehouse,
) -> None:
    rows = query(
        table_warehouse,
        "select department_key, fiscal_year, indicator_code, target_text, target_source, actual_text,"
        " attainment, pair_source, pair_source_path from marts.mart_indicator_trend"
        " where indicator_code in ('high_tech_enterprise_applications', 'high_tech_enterprise_count')"
        " order by all",
    )
    assert rows == [
        ("gz_sti", 2023, "high_tech_enterprise_applications", "高新技术企业申报数量≥4500家",
         "form_indicator", None, "no actual yet", "targets_and_report", None),
        ("huangpu_sti", 2022, "high_tech_enterprise_count", None,
         None, "高新技术企业总数突破2500家", "no target", "targets_and_report", None),
        ("huangpu_sti", 2023, "high_tech_enterprise_count", ">2500家",
         "form_indicator", None, "no actual yet", "targets_and_report", None),
    ]  # fmt: skip


def test_the_high_tech_mart_shows_the_certified_counts_met(table_warehouse: SampleWarehouse) -> None:
    rows = query(
        table_warehouse,
        "select department_label, fiscal_year, target_comparator, target_value, target_text, actual_value,"
        " actual_text, attainment from marts.mart_high_tech_enterprise_trend"
        " where measure_code = 'high_tech_enterprise_certified' order by all",
    )
    assert rows == [
        ("天河区", 2024, "≥", D(800), "≥800家", D(856), "856", "met"),
        ("广州市", 2023, "≥", D(4000), "≥4000家", D(4386), "4386家", "met"),
    ]


def test_each_scored_indicator_is_a_row_with_its_target_actual_and_score(
    table_warehouse: SampleWarehouse,
) -> None:
    rows = query(
        table_warehouse,
        "select indicator_level2, indicator_name, indicator_code, target_part_text, comparator,"
        " target_base_value, target_base_unit, actual_text, actual_base_value, weight, score, attainment,"
        " deviation_analysis is not null"
        f" from marts.fct_indicator_evaluation where source_path = '{GUANGZHOU_DEPT}'"
        " and (indicator_code is not null or attainment <> 'met') order by evaluation_id",
    )
    assert rows == [
        ("数量指标", "新认定高新技术企业数", "high_tech_enterprise_certified", "≥4000家", "≥",
         D(4000), "家", "4386家", D(4386), D(6), D(6), "met", False),
        ("经济效益指标", "技术合同成交额（亿元）", "technology_contract_turnover", "≥2500", "≥",
         D(25000000), "万元", "3032.86", D(30328600), D(6), D(6), "met", False),
        ("经济效益指标", "全社会研发投入强度", "rd_intensity", "≥3.1%", "≥",
         D("3.1"), "%", "3.43%", D("3.43"), D(6), D(6), "met", False),
        ("社会效益指标", "新增高层次科技人才数", None, "≥300人", "≥",
         D(300), "人", "286人", D(286), D(5), D(4), "not met", True),
        ("可持续影响指标", "重大科技创新平台运行机制", None, "有效", None,
         None, None, "有效", None, D(5), D(5), "qualitative", False),
        ("可持续影响指标", "科技创新生态环境", None, "持续优化", None,
         None, None, "达标", None, D(4), D(4), "qualitative", False),
        ("数量指标", "科技型中小企业评价入库数", "tech_sme_count", "≥18000家", "≥",
         D(18000), "家", "17236家", D(17236), D(5), D("4.5"), "not met", True),
        ("质量指标", "财政资金使用合规性", None, "合规", None,
         None, None, "合规", None, D(4), D(4), "qualitative", False),
        ("时效指标", "政策兑现及时率", None, "100%", "=",
         D(100), "%", "98.5%", D("98.5"), D(5), D("4.5"), "not met", True),
    ]  # fmt: skip


def test_the_tables_actuals_stand_beside_the_reports(table_warehouse: SampleWarehouse) -> None:
    rows = query(
        table_warehouse,
        "select department_code, fiscal_year, indicator_wording, actual_value, actual_value_text,"
        " actual_unit, actual_base_value, is_lower_bound, actual_source from marts.fct_indicator_actual"
        " where indicator_code in ('high_tech_enterprise_certified', 'high_tech_enterprise_count',"
        " 'technology_contract_turnover') order by all",
    )
    report = "self_evaluation_report"
    assert rows == [
        ("gz_sti", 2023, "技术合同成交额（亿元）", D("3032.86"), "3032.86", "亿元", D(30328600),
         False, TABLE),
        ("gz_sti", 2023, "新认定高新技术企业数", D(4386), "4386家", "家", D(4386), False, TABLE),
        ("huangpu_sti", 2022, "技术合同成交额", D(550), "550", "亿元", D(5500000), True, report),
        ("huangpu_sti", 2022, "高新技术企业总数", D(2500), "2500", "家", D(2500), True, report),
        ("tianhe_sti", 2024, "全区技术合同成交额", D("186.34"), "186.34", "亿元", D(1863400),
         False, TABLE),
        ("tianhe_sti", 2024, "高新技术企业认定数", D(856), "856", "家", D(856), False, TABLE),
    ]  # fmt: skip


def test_each_table_with_its_budget_line_total_and_project(table_warehouse: SampleWarehouse) -> None:
    """A project's table beside its row in the year's 项目支出绩效目标表 (基础研究计划: 115,233.66 planned
    there, 11,500.00 the self-evaluation's 全年预算数); the other projects' bureaus and years have no
    target table among the documents."""
    rows = query(
        table_warehouse,
        "select source_path, department_code, fiscal_year, doc_type, project_name, annual_budget_wan_yuan,"
        " executed_wan_yuan, execution_rate_percent, budget_weight, budget_score, n_indicators, total_weight,"
        " total_score, target_project_name, target_total_wan_yuan, target_source_path"
        " from marts.fct_self_evaluation_table order by source_path",
    )
    dept, project = "dept_self_evaluation_table", "project_self_evaluation_table"
    assert rows == [
        (GUANGZHOU_DEPT, "gz_sti", 2023, dept, None,
         D("301286.47"), D("296530.18"), D("98.42"), D(10), D("9.84"), 18, D(100), D("97.84"),
         None, None, None),
        ("2023/guangzhou_2023_dept_self_evaluation_table_productivity_centre.pdf", None, 2023, dept, None,
         D("1912.75"), D("1876.03"), D("98.08"), D(10), D("9.81"), 10, D(100), D("97.81"),
         None, None, None),
        ("2023/guangzhou_2023_project_self_evaluation_table_basic_research.pdf", "gz_sti", 2023, project,
         "基础研究计划", D(11500), D("10923.68"), D("94.99"), D(10), D("9.5"), 10, D(100), D("98.5"),
         "基础研究计划", D("115233.66"), "2023/guangzhou_2023_project_target_table.pdf"),
        (INCUBATORS, "huangpu_sti", 2023, project, "科技企业孵化器和众创空间扶持资金",
         D(3200), D("3018.46"), D("94.33"), D(10), D("9.43"), 11, D(100), D("97.43"),
         None, None, None),
        ("2024/nansha_2024_project_self_evaluation_table_enterprise_rd.pdf", "nansha_sti", 2024, project,
         "企业研发经费投入后补助", D(9500), D("9361.27"), D("98.54"), D(10), D("9.85"), 13, D(100),
         D("97.85"), None, None, None),
        ("2024/panyu_2024_project_self_evaluation_table_innovation_vouchers.pdf", "panyu_sti", 2024,
         project, "科技创新券资助", D(1500), D("1386.25"), D("92.42"), D(10), D("9.24"), 9, D(100),
         D("96.24"), None, None, None),
        (TIANHE_DEPT, "tianhe_sti", 2024, dept, None,
         D("12864.35"), D("12107.92"), D("94.12"), D(10), D("9.41"), 26, D(100), D("87.91"),
         None, None, None),
    ]  # fmt: skip


def test_the_budget_block_line_by_line(table_warehouse: SampleWarehouse) -> None:
    rows = query(
        table_warehouse,
        "select project_name, execution_line_label, is_total, split_group, initial_budget_wan_yuan,"
        " annual_budget_wan_yuan, executed_wan_yuan, weight, execution_rate_percent, score"
        f" from marts.fct_budget_execution where source_path = '{INCUBATORS}' order by line_number",
    )
    project = "科技企业孵化器和众创空间扶持资金"
    assert rows == [
        (project, "年度资金总额", True, None, D(3600), D(3200), D("3018.46"), D(10), D("94.33"), D("9.43")),
        (project, "当年财政拨款", False, "按资金来源", D(3600), D(3000), D("2836.12"), None, None, None),
        (project, "上年结转资金", False, "按资金来源", None, D(200), D("182.34"), None, None, None),
        (project, "其他资金", False, "按资金来源", None, None, None, None, None, None),
    ]  # fmt: skip

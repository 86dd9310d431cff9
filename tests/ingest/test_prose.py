"""Figures in prose by meaning, and text normalised where it is read: sentences written for these tests
(none of them from a sample), each with the fact it must give."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.pdf.normalise import normalise_text
from ingest.pdf.text import unwrap
from ingest.prose import extract_facts, join_pages


def facts_of(text: str) -> list[tuple[str, Decimal | str, str | None, str | None]]:
    return [
        (fact.label, fact.value, fact.unit, fact.qualifier)
        for fact in extract_facts(join_pages([normalise_text(text)]))
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # verbs, and the value after the subject
        ("截至年底，全市高企数量达到12,345家。", ("高新技术企业总数", Decimal("12345"), "家", None)),
        ("全区国家高新技术企业共有1800家。", ("高新技术企业总数", Decimal("1800"), "家", None)),
        # lower bounds before the number, after it and after the unit
        ("入库科技型中小企业逾2100家。", ("入库科技型中小企业", Decimal("2100"), "家", "逾")),
        ("聚集高水平研发机构300余家。", ("高端研发机构", Decimal("300"), "家", "余")),
        ("生物医药相关企业1200家以上。", ("生物医药企业", Decimal("1200"), "家", "以上")),
        ("高新技术企业总量突破3000家。", ("高新技术企业总数", Decimal("3000"), "家", "突破")),
        # the value before the subject
        ("年内共有15家国家级孵化器。", ("国家级孵化器", Decimal("15"), "家", None)),
        ("全区建有88家科技企业孵化器。", ("科技企业孵化器", Decimal("88"), "家", None)),
        # full-width digits, 亿元 against 万元, percent
        ("技术合同交易额为２５０亿元。", ("技术合同成交额", Decimal("250"), "亿元", None)),
        ("技术合同成交额达1,234,500万元。", ("技术合同成交额", Decimal("1234500"), "万元", None)),
        ("R&D经费占GDP比重为3.21%。", ("研发投入强度", Decimal("3.21"), "%", None)),
        # a change: of what the clause before counts
        ("科技服务业营业收入180亿元，同比增长9.5%。", ("科技服务业营收同比增长", Decimal("9.5"), "%", None)),
        (
            "研发投入强度达4.1%，较上年提高0.3个百分点。",
            ("研发投入强度较上年提高", Decimal("0.3"), "个百分点", None),
        ),
        # a figure whose subject maps to nothing lands under its printed subject
        ("全区新增众创空间12家。", ("新增众创空间", Decimal("12"), "家", None)),
        ("引进博士后研究人员45人。", ("引进博士后研究人员", Decimal("45"), "人", None)),
    ],
)
def test_a_figure_is_read_by_what_it_measures(
    sentence: str, expected: tuple[str, Decimal | str, str | None, str | None]
) -> None:
    assert expected in facts_of(sentence)


def test_several_figures_in_one_sentence_and_in_parentheses() -> None:
    found = facts_of(
        "全区拥有科技企业孵化器60家（其中国家级孵化器9家），高层次人才总量900人、A类外国高端人才210人。"
    )
    assert [(label, value) for label, value, _, _ in found] == [
        ("高层次人才总数", Decimal("900")),
        ("A类外国高端人才", Decimal("210")),
        ("科技企业孵化器", Decimal("60")),
        ("国家级孵化器", Decimal("9")),
    ]


def test_a_new_count_is_not_the_stock() -> None:
    found = dict(
        (label, value) for label, value, _, _ in facts_of("新增高新技术企业320家，高新技术企业总数达2600家。")
    )
    assert found["高新技术企业总数"] == Decimal("2600")
    assert found["新增高新技术企业"] == Decimal("320")


def test_years_ordinals_and_names_are_not_figures() -> None:
    assert facts_of("2023年，第8.6代显示面板项目T9项目落地，连续三年位居全省第一。") == []


def test_the_department_overview_states_no_results() -> None:
    text = (
        "一、基本情况\n（一）部门概况\n本局内设5个处室，下设2个事业单位。\n（二）年度工作\n全区高企达900家。"
    )
    assert facts_of(text) == [("高新技术企业总数", Decimal("900"), "家", None)]


def test_text_is_normalised_where_it_is_read() -> None:
    assert normalise_text("部⻔预算⽀出 ≧９５％，≦１０") == "部门预算支出 ≥95%，≤10"
    # Chinese punctuation, circled numbers and squared units stay as printed.
    assert normalise_text("（含培育）①㎡：") == "（含培育）①㎡："


def test_distributed_labels_lose_their_layout_spaces_only() -> None:
    assert unwrap("基 本 支 出") == "基本支出"
    assert unwrap("一 般 公 共 预\n算 拨 款") == "一般公共预算拨款"
    assert unwrap("达 286.87 亿元") == "达 286.87 亿元"
    assert unwrap("A 类外国高端人才") == "A 类外国高端人才"

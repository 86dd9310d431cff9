"""Figures in prose by meaning, and text normalised where it is read: sentences written for these tests
(none of them from a sample), each with the fact it must give."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.pdf.normalise import normalise_text
from ingest.pdf.text import unwrap
from ingest.prose import extract_facts, join_pages, read_prose


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


@pytest.mark.parametrize(
    "text",
    [
        # as a scan gives a report whose line start OCR lost: the figure's own subject is gone
        "部门整体支出绩效自评得分。45.07分。",
        "研发投入强度持续提升。达到3.5%。",
        "全市技术合同成交额稳步增长。累计1,234万元。",
    ],
)
def test_a_figure_never_takes_its_subject_from_the_sentence_before(text: str) -> None:
    assert facts_of(text) == []


def test_a_change_takes_its_subject_from_its_own_sentence_only() -> None:
    assert facts_of("全区高企达900家，同比增长14%。")[-1][:2] == ("高新技术企业总数同比增长", Decimal("14"))
    assert facts_of("全区高企达900家。同比增长14%。") == [("高新技术企业总数", Decimal("900"), "家", None)]


def test_years_ordinals_and_names_are_not_figures() -> None:
    assert facts_of("2023年，第8.6代显示面板项目T9项目落地，连续三年位居全省第一。") == []
    assert facts_of("圆周率约为3.14159%。") == []  # more decimals than an amount keeps: no fact, no failure


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


# Each measure of the sample report said the other ways offices say it, value before or after.
OTHER_WORDINGS = [
    ("全年预算数", "本年度部门预算总额为383,506.13万元。"),
    ("全年预算数", "2022年部门全年预算383506.13万元，"),
    ("执行数", "全年支出383,193.53万元。"),
    ("执行数", "实际支出数为383,193.53万元。"),
    ("执行数", "预算执行数383,193.53万元。"),
    ("预算完成率", "预算执行率99.9%。"),
    ("预算完成率", "预算完成率达到99.9%。"),
    ("一般公共预算财政拨款支出", "其中一般公共预算拨款支出383,193.53万元"),
    ("基本支出", "基本支出为2,289.3万元"),
    ("项目支出", "项目支出为380,904.23万元"),
    ("年末结转和结余", "年末结转结余为0万元。"),
    ("全区研发经费投入", "全区全社会研发经费支出达到286.87亿元。"),
    ("全区研发经费投入", "全区R&D经费支出286.87亿元。"),
    ("研发投入强度", "研发经费投入强度为6.65%。"),
    ("研发投入强度", "全社会研发投入占地区生产总值比重达6.65%。"),
    ("院士项目", "引进院士项目116个。"),
    ("院士项目", "累计集聚院士团队项目116个。"),
    ("高层次人才总数", "集聚高层次人才1382人。"),
    ("A类外国高端人才", "外国高端人才（A类）1226人。"),
    ("入库科技型中小企业", "科技型中小企业入库超3400家。"),
    ("入库科技型中小企业", "评价入库科技型中小企业3400余家。"),
    ("高新技术企业总数", "高企总数突破2500家。"),
    ("高新技术企业总数", "有效高新技术企业数量达2500家。"),
    ("高新技术企业总数", "全区拥有国家高新技术企业超过2500家。"),
    ("科技服务业累计营收", "科技服务业营业收入首次突破400亿元。"),
    ("科技服务业营收同比增长", "科技服务业营收突破400亿元，增长14%。"),
    ("技术合同成交额", "全年技术合同登记成交额超过550亿元。"),
    ("技术合同成交额", "技术合同成交金额超550亿元。"),
    ("高端研发机构", "集聚各类高端研发机构超1000家。"),
    ("省级新型研发机构", "其中省级新型研发机构39家。"),
    ("省级新型研发机构", "拥有省新型研发机构39家。"),
    ("省高水平创新研究院", "省级高水平创新研究院9家。"),
    ("“大比武”重大科技平台", "29家重大科技平台参加“大比武”。"),
    ("认定瞪羚企业（含瞪羚培育）", "认定瞪羚企业541家（含培育）。"),
    ("认定瞪羚企业（含瞪羚培育）", "瞪羚企业（含瞪羚培育）认定541家。"),
    ("科技企业孵化器", "科技企业孵化器数量达113家。"),
    ("科技企业孵化器", "全区共有孵化器113家。"),
    ("国家级孵化器", "其中国家级科技企业孵化器21家。"),
    ("绩效评价优秀（A类）孵化器", "10家孵化器在2021年度国家级科技企业孵化器绩效评价中被评为优秀（A类）。"),
    ("国家级孵化器参评优良率", "国家级孵化器评价优良率达100%。"),
    ("生物医药企业", "生物医药企业数量超过4000家。"),
    ("大分子生物制药规划产能", "大分子生物药规划产能达60万升。"),
    ("人工智能产业企业", "人工智能产业集聚企业超500家。"),
    ("累计认定区领军人才", "区领军人才累计认定218人。"),
    ("累计认定区领军人才", "累计认定领军人才218人。"),
    ("科普活动", "举办各类科普活动42场。"),
    ("科普活动", "开展科普活动42场次。"),
    ("科普大赛参赛者数量", "科普大赛参赛人数36人。"),
    ("科普奖项", "荣获科普奖项37项。"),
    ("科普活动直接参与人数", "直接参与人数超过3万人。"),
    ("科普活动直接参与人数", "活动参与人数超3万人次。"),
    ("推荐申报的涉农企业", "推荐8家涉农企业申报。"),
    ("绩效自评项目数", "对33个项目开展绩效自评。"),
    ("绩效自评项目数", "纳入绩效自评的项目共33个。"),
    ("绩效自评涉及资金", "涉及金额380,904.23万元。"),
    ("绩效自评资金占一般公共预算项目支出总额", "占项目支出的100%。"),
    ("部门整体支出绩效自评得分", "部门整体支出绩效自评得分为94.57分。"),
    ("部门整体支出绩效自评得分", "自评得分94.57分，等级为优。"),
    ("部门整体支出绩效自评得分", "本次自评总分94.57分。"),
    ("院士项目", "全区汇聚116个院士项目。"),
    ("高层次人才总数", "全区共有1382名高层次人才。"),
    ("A类外国高端人才", "引进1226名A类外国高端人才。"),
    ("入库科技型中小企业", "3400余家科技型中小企业入库。"),
    ("高新技术企业总数", "全区2500多家高新技术企业。"),
    ("高新技术企业总数", "拥有高新技术企业2,500余家，居全市第一。"),
    ("生物医药企业", "集聚4000余家生物医药企业。"),
    ("省级新型研发机构", "建成39家省级新型研发机构。"),
    ("省高水平创新研究院", "9家省高水平创新研究院落户。"),
    ("认定瞪羚企业（含瞪羚培育）", "认定541家瞪羚企业（含瞪羚培育）。"),
    ("科技企业孵化器", "建成113家科技企业孵化器。"),
    ("国家级孵化器", "其中21家为国家级孵化器。"),
    ("累计认定区领军人才", "累计认定218名区领军人才。"),
    ("科普活动", "组织开展42场科普活动。"),
    ("科普奖项", "获得37项科普奖项。"),
    ("科普大赛参赛者数量", "吸引36人参加各类科普大赛。"),
    ("高端研发机构", "聚集1000多家各类高端研发机构。"),
    ("技术合同成交额", "技术合同成交额达到550亿元以上。"),
    ("研发投入强度", "研发投入强度提升至6.65%。"),
    ("全区研发经费投入", "研发经费投入总额达286.87亿元。"),
    ("预算完成率", "预算执行率达99.9%，"),
    ("一般公共预算财政拨款支出", "一般公共预算财政拨款支出383,193.53万元，占总支出的100%。"),
    ("国家级孵化器参评优良率", "国家级孵化器参评优良率达到100%。"),
    ("大分子生物制药规划产能", "大分子生物制药产能规划达60万升。"),
]


@pytest.mark.parametrize(("label", "sentence"), OTHER_WORDINGS, ids=[s for _, s in OTHER_WORDINGS])
def test_other_wordings_name_the_same_measure(label: str, sentence: str) -> None:
    assert label in [found[0] for found in facts_of(sentence)]


def statements_of(text: str) -> tuple[list[tuple[str, Decimal | str, str | None]], list[str]]:
    facts, unread = read_prose(join_pages([normalise_text(text)]))
    return [(fact.label, fact.value, fact.unit) for fact in facts], [item.text for item in unread]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "人员经费和公用经费分别为1,204.50万元、386.20万元。",
            [("人员经费", Decimal("1204.50"), "万元"), ("公用经费", Decimal("386.20"), "万元")],
        ),
        (
            "全区高新技术企业、科技型中小企业、科技企业孵化器分别达到1,136家、2,870家、42家。",
            [
                ("入库科技型中小企业", Decimal("2870"), "家"),
                ("高新技术企业总数", Decimal("1136"), "家"),
                ("科技企业孵化器", Decimal("42"), "家"),
            ],
        ),
        (
            "研发投入和营业收入分别增长12.5%和8.3%。",
            [("研发投入增长", Decimal("12.5"), "%"), ("营业收入增长", Decimal("8.3"), "%")],
        ),
        (
            "基本支出与项目支出，分别为2,289.30万元及380,904.23万元。",
            [("基本支出", Decimal("2289.30"), "万元"), ("项目支出", Decimal("380904.23"), "万元")],
        ),
    ],
    ids=["two amounts", "three counts, catalog order", "two changes", "subjects in the clause before"],
)
def test_each_subject_of_a_respectively_list_takes_its_figure(
    sentence: str, expected: list[tuple[str, Decimal, str]]
) -> None:
    assert statements_of(sentence) == (expected, [])


def test_a_respectively_list_whose_counts_differ_lands_nothing_and_is_kept_unread() -> None:
    sentence = "技术合同成交额、新增发明专利、省级新型研发机构分别为52.3亿元、1,356件。"
    assert statements_of(sentence) == ([], [sentence.rstrip("。")])


def test_respectively_without_figures_is_no_list() -> None:
    assert statements_of("省级新型研发机构39家，分别占全市、全省一半。") == (
        [("省级新型研发机构", Decimal("39"), "家")],
        [],
    )


def test_a_share_in_parentheses_is_the_share_of_the_figure_before_them() -> None:
    facts, _ = statements_of("政府性基金支出2,310.00万元（占总支出的4.1%）。")
    assert facts[-1] == ("政府性基金支出占总支出", Decimal("4.1"), "%")

"""Pure helpers: amounts, wrapped text, target spelling, project indicator cells, prose joins."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ingest.amounts import parse_amount, parse_optional_amount
from ingest.departments import readings
from ingest.families.project_target_table import fund_user, split_indicators
from ingest.measures import normalise_target
from ingest.pdf.columns import header_columns
from ingest.pdf.reader import TableRow
from ingest.pdf.text import unwrap
from ingest.prose import join_pages


@pytest.mark.parametrize(
    ("printed", "exact"),
    [
        ("364,607.20", "364607.20"),
        ("0.00", "0.00"),
        ("2,289.3", "2289.3"),
        ("1200", "1200"),
        ("-12.5", "-12.5"),
    ],
)
def test_amounts_are_exact(printed: str, exact: str) -> None:
    value = parse_amount(printed)
    assert value == Decimal(exact) and str(value) == exact


@pytest.mark.parametrize("bad", ["36,4607.20", "1.2.3", "约100", "", "12.34567"])
def test_bad_amounts_raise(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(bad)


def test_blank_amount_is_none_not_zero() -> None:
    assert parse_optional_amount("  ") is None


def test_unwrap_joins_lines_and_keeps_printed_spaces() -> None:
    assert unwrap("预算整体情\n况") == "预算整体情况"
    assert unwrap("共享服务。 \n3.促进") == "共享服务。 3.促进"
    assert unwrap("柔性AMOL\nED模组") == "柔性AMOLED模组"


@pytest.mark.parametrize(
    ("printed", "normalised"),
    [
        (r"$\geq 80\%$", "≥80%"),
        (r"比率 $\geq 80\%$ 。", "比率≥80%。"),
        (" ≥ 150 ", "≥150"),
        ("＞500人", ">500人"),
        (">=3家", "≥3家"),
        ("≦5%", "≤5%"),
        ("1. ≥10000；2. 15；3. ≥4", "1. ≥10000；2. 15；3. ≥4"),
        ("全国居前8", "全国居前8"),
    ],
)
def test_target_spellings(printed: str, normalised: str) -> None:
    assert normalise_target(printed) == normalised


def test_indicator_cell_split_with_restart_and_inner_numbering() -> None:
    cell = (
        "1、产出指标：支持重点企业发展，年度指标值：1个。2、效益指标：产业链，年度指标值：进一步完善。"
        "1、产出指标：落户以来累计完成投资（亿元），年度指标值： ≥ 490 。"
        "2、效益指标: 法律意见,年度指标值: 1、配合做好法治建设工作。2、出具审查报告。"
    )
    items = split_indicators(cell)
    assert [(i.number, i.level1, i.name, i.annual_target) for i in items] == [
        (1, "产出指标", "支持重点企业发展", "1个"),
        (2, "效益指标", "产业链", "进一步完善"),
        (1, "产出指标", "落户以来累计完成投资（亿元）", "≥490"),
        (2, "效益指标", "法律意见", "1、配合做好法治建设工作。2、出具审查报告"),
    ]


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("企业创新计划-TCL华星光电T9项目（黄埔区）", "黄埔区"),
        ("企业创新计划-维信诺第6代柔性AMOLED模组生产线项目(增城区)", "增城区"),
        ("广州市科学技术局2023-2024年信息化运维项目(2023)", None),
        ("基础研究计划", None),
    ],
)
def test_fund_user(name: str, unit: str | None) -> None:
    assert fund_user(name) == unit


def test_department_readings() -> None:
    assert readings("广州市黄埔区科学技术局（广州开发区科技创新局）（部门）") == {
        "广州市黄埔区科学技术局（广州开发区科技创新局）",
        "广州市黄埔区科学技术局",
        "广州开发区科技创新局",
    }


def test_prose_join_puts_back_the_space_a_wrap_swallowed_only_in_spaced_paragraphs() -> None:
    spaced = join_pages(["累计认定区领军人才\n218 人。全区拥有孵化器 113 家"]).text
    tight = join_pages(["入库科技型中小企业超过\n3400家，居全市第一；高企突破2500家"]).text
    assert "领军人才 218 人" in spaced
    assert "超过3400家" in tight


def test_prose_join_drops_page_footers_and_tracks_pages() -> None:
    prose = join_pages(["第一页的文字\n— 1 —", "第二页"])
    assert prose.text == "第一页的文字第二页"
    assert prose.page_at(prose.text.index("第二页")) == 2


def test_the_year_comes_from_folders_below_the_landing_folder_only() -> None:
    from ingest.identify import year_from_path

    landing = Path("/srv/2024/landing")  # an ancestor named like a year dates nothing
    assert year_from_path(landing / "2023" / "form.pdf", "2023/form.pdf") == 2023
    assert year_from_path(landing / "2023" / "gz" / "form.pdf", "2023/gz/form.pdf") == 2023
    assert year_from_path(landing / "form.pdf", "form.pdf") is None
    assert year_from_path(landing / "gz" / "form.pdf", "gz/form.pdf") is None
    # A file parsed on its own: only the folder holding it.
    assert year_from_path(Path("/srv/2024/inbox/form.pdf")) is None
    assert year_from_path(Path("/data/2022/form.pdf")) == 2022


LEVELS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "年度指标值": "annual_target"}


def _header(*cells: str) -> TableRow:
    """A header row of `cells`, each 40 points wide, left to right."""
    boxes = tuple((40.0 * i, 100.0, 40.0 * (i + 1), 120.0) for i in range(len(cells)))
    return TableRow(page=2, row=9, cells=cells, boxes=boxes)


@pytest.mark.parametrize(
    "read",
    [
        ("一级指标", "二级指标", "三级指标"),  # as printed
        ("~级指标", "级指标", "级指标"),  # every numeral lost or misread: the levels in order
        ("级指标", "二级指标", "级指标"),  # one read: the other two in order
        ("~级指标", "二级指标", "三级指标"),  # one misread: the one level it can be
        ("一级指标", "级指标", "三级指标"),  # one lost (韶关's form at 200 dpi): the one level left
        ("一级指标", "二级指标", "二级指标"),  # one read as another (广州's table as a fax at 200 dpi)
    ],
)
def test_a_header_reads_its_levels_in_order_when_ocr_lost_their_numerals(read: tuple[str, ...]) -> None:
    columns = header_columns(_header(*read, "年度指标值"), LEVELS)
    assert columns is not None
    assert [field for field, _ in sorted(columns.spans.items(), key=lambda item: item[1])] == [
        "level1",
        "level2",
        "name",
        "annual_target",
    ]


@pytest.mark.parametrize(
    "read",
    [
        ("级指标", "级指标", "年度指标值"),  # two cells for three levels
        ("级指标", "项目", "级指标", "级指标", "级指标", "年度指标值"),  # four for three
        ("产出指标", "数量指标", "累计国家高新技术企业数量", "≥2500家"),  # a data row
        ("一级指标", "三级指标", "三级指标", "年度指标值"),  # the second level before the third
    ],
)
def test_a_row_that_cannot_be_the_levels_is_no_header(read: tuple[str, ...]) -> None:
    assert header_columns(_header(*read), LEVELS) is None


PROJECT_COLUMNS = {
    "项目名称": "name",
    "总计": "total",
    "财政拨款": "fiscal",
    "财政专户拨款": "special_account",
}


@pytest.mark.parametrize(
    ("read", "header"),
    [
        (("项目名称", "总计", "财政：发款", "财政专户拨款"), True),  # a ring cut 拨 in two: the one left
        (("项目名称", "总计", "财政拨", "财政专户拨款"), True),  # its last character lost
        (("项目名称", "总计", "财政：发款", "财：政专户拨款"), False),  # two cells left for two fields
        (("项目名称", "总计", "其他资金", "财政专户拨款"), False),  # another label altogether
        (("项目名称", "总计", "政拨款", "财政专户拨款"), False),  # its first character lost
    ],
)
def test_the_one_header_cell_left_takes_the_one_field_left_when_it_spells_all_but_one_character(
    read: tuple[str, ...], header: bool
) -> None:
    columns = header_columns(_header(*read), PROJECT_COLUMNS)
    assert (columns is not None) is header
    if columns is not None:
        assert columns.spans["fiscal"] == (80.0, 120.0)

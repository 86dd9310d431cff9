"""A document that shows it is wrong or incomplete is refused, never read into fewer or merged
records: 黄埔's form and 广州's project table re-printed by LibreOffice with cells changed (their
.xlsx sources), and the samples with pages taken out, then parsed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from ingest.document import parse_document
from ingest.errors import BadAmount, DocumentError, IncompleteDocument, MissingSection, MultipleDocuments
from ingest.families import dept_target_form as forms
from ingest.families.family import Pages
from ingest.families.project_target_table import _check_complete
from ingest.identify import Title
from ingest.pdf.reader import open_pdf, read_pdf
from ingest.records import BudgetLine, DocType, Indicator, Project
from tests.conftest import SAMPLE_FILES
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf

REPORT = SAMPLE_FILES["huangpu_2022_self_evaluation"]
FORM = "huangpu_2023_dept_target_form.xlsx"
TABLE = "guangzhou_2023_project_target_table.xlsx"
# One changed cell per variant. The form: D4 is 基本支出's amount, D5 项目支出's, B12 the second key
# task's 名称. The table: A2 the 部门名称 line, B6 the first project's 总计, G6 its 绩效指标.
VARIANTS = {
    "amount_in_words": (FORM, {"D4": "壹佰万"}),
    "amount_as_dashes": (FORM, {"D5": "--"}),
    "amount_past_four_decimals": (FORM, {"D4": "2341.13456"}),
    "blank_amount": (FORM, {"D4": None}),
    "task_without_name": (FORM, {"B12": None}),
    "first_task_without_name": (FORM, {"B11": None}),
    "blank_department": (TABLE, {"A2": "部门名称："}),
    "thirty_digit_amount": (TABLE, {"B6": "123456789012345678901234567890.00"}),
    "indicators_elsewhere": (TABLE, {"G6": "见附件"}),
    "blank_indicators": (TABLE, {"G6": None}),
    "blank_unit_row": (TABLE, {"B5": None, "C5": None}),
    "project_without_name": (TABLE, {"A6": None}),
    # Every 三级指标 cell of the 绩效指标 block (D19 … D47) left blank.
    "no_third_level_indicators": (FORM, {f"D{row}": None for row in range(19, 48)}),
}
# The variants that are whole documents, read into exact records (a blank is a null, not an error).
WHOLE_VARIANTS = ("blank_amount", "indicators_elsewhere", "blank_indicators")


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if soffice() is None:
        pytest.skip("LibreOffice is needed to print the variants")
    root = tmp_path_factory.mktemp("partial")
    workbooks = [
        build_xlsx(source, [set_cells(cells)], root / "xlsx" / "2023" / f"{name}.xlsx")
        for name, (source, cells) in VARIANTS.items()
    ]
    pdfs = to_pdf(workbooks, root / "2023")
    return {pdf.stem: pdf for pdf in pdfs}


@pytest.mark.parametrize(
    ("variant", "error", "words"),
    [
        ("amount_in_words", BadAmount, "基本支出"),
        ("amount_as_dashes", BadAmount, "项目支出"),
        ("amount_past_four_decimals", BadAmount, "more than 4 decimals"),
        ("task_without_name", IncompleteDocument, "no 名称"),
        ("first_task_without_name", IncompleteDocument, "without 名称"),
        ("blank_department", MissingSection, "names no department"),
        ("thirty_digit_amount", BadAmount, "16 digits"),
        ("blank_unit_row", MissingSection, "单位合计 row"),
        ("project_without_name", IncompleteDocument, "no 项目名称"),
        ("no_third_level_indicators", MissingSection, "names no 三级指标"),
    ],
)
def test_a_cell_that_breaks_a_record_refuses_the_document(
    printed: dict[str, Path], variant: str, error: type[DocumentError], words: str
) -> None:
    with pytest.raises(error) as raised:
        parse_document(printed[variant])
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_a_blank_amount_is_a_line_without_an_amount(printed: dict[str, Path]) -> None:
    lines = parse_document(printed["blank_amount"]).budget_lines
    assert len(lines) == 8
    assert [(line.label, line.amount_wan_yuan) for line in lines if line.amount_wan_yuan is None] == [
        ("基本支出", None)
    ]
    assert next(line.amount_wan_yuan for line in lines if line.label == "项目支出") == Decimal("314266.07")


@pytest.mark.parametrize("variant", WHOLE_VARIANTS[1:])
def test_a_project_without_indicators_printed_keeps_its_row_and_no_indicator(
    printed: dict[str, Path], variant: str
) -> None:
    document = parse_document(printed[variant])
    assert len(document.projects) == 26  # every row, the unit total row not among them
    first, second = document.projects[:2]
    assert first.indicators == () and first.total == Decimal("26000.00")
    assert len(second.indicators) > 0


def without_pages(source: Path, pages: list[int], folder: Path) -> Path:
    """`source` with the given pages (1-based) taken out: a download or a scan that lost them."""
    writer = pypdf.PdfWriter(clone_from=source)
    for page in sorted(pages, reverse=True):
        writer.remove_page(page - 1)
    path = folder / source.parent.name / f"{source.stem}_without_{'_'.join(map(str, pages))}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)
    return path


# The sample report's score table runs from page 9 onto page 10, where 总分 closes it; the prose
# after it restates the dimensions' scores. The 黄埔 form's page 3 holds the rest of its 效益指标 and
# its 满意度指标; the project table's pages 6-9 its last 11 projects.
@pytest.mark.parametrize(
    ("source", "pages", "error", "words"),
    [
        (REPORT, [10], IncompleteDocument, "before its 总分 row"),
        (REPORT, [9, 10], IncompleteDocument, "no score table"),
        (REPORT, [9], IncompleteDocument, "no score table"),
        (REPORT, list(range(2, 15)), IncompleteDocument, "never states the budget execution"),
        (REPORT, list(range(9, 15)), IncompleteDocument, "never states the evaluation"),
        (SAMPLE_FILES["huangpu_2023_dept_target_form"], [3], IncompleteDocument, "before its 满意度指标"),
        (SAMPLE_FILES["guangzhou_2023_dept_target_form"], [3], IncompleteDocument, "before its 满意度指标"),
        (SAMPLE_FILES["guangzhou_2023_project_target_table"], [6, 7, 8, 9], IncompleteDocument, "short of"),
        (SAMPLE_FILES["guangzhou_2023_project_target_table"], [4], IncompleteDocument, "short of"),
    ],
    ids=[
        "report without its total",
        "report without its score table",
        "report without the score table's first page",
        "the first page of a report alone",
        "a report up to its budget execution",
        "黄埔 form without page 3",
        "广州 form without page 3",
        "project table without its last four pages",
        "project table without a middle page",
    ],
)
def test_a_document_that_lost_pages_is_refused_naming_what_is_missing(
    tmp_path: Path, source: Path, pages: list[int], error: type[DocumentError], words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        parse_document(without_pages(source, pages, tmp_path))
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        ("huangpu_2023_dept_target_form", "guangzhou_2023_dept_target_form", "of another department"),
        ("huangpu_2023_dept_target_form", "huangpu_2023_dept_target_form", "基本支出 a second time"),
        (
            "huangpu_2023_dept_target_form",
            "guangzhou_2023_project_target_table",
            "项目支出绩效目标表 follows",
        ),
        ("guangzhou_2023_project_target_table", "huangpu_2023_dept_target_form", "预算整体情况 follows"),
    ],
    ids=["two forms", "one form twice", "form then project table", "project table then form"],
)
def test_two_documents_in_one_file_are_refused(tmp_path: Path, first: str, second: str, words: str) -> None:
    writer = pypdf.PdfWriter()
    for name in (first, second):
        writer.append(str(SAMPLE_FILES[name]))
    path = tmp_path / "2023" / "two.pdf"
    path.parent.mkdir()
    writer.write(path)
    with pytest.raises(MultipleDocuments, match=words):
        parse_document(path)


XUBIAO_FORM = (
    Path(__file__).resolve().parents[1] / "fixtures" / "family" / "repeated_headers"
    / "huizhou_2023_dept_target_form_xubiao.pdf"
)  # fmt: skip


@pytest.mark.parametrize(
    ("first_name", "department"),
    [
        ("州市科学技术局", "惠州市科学技术局"),  # 惠 lost under a signature, as PP-OCR read it
        ("广州市科学技术局", None),  # another department: a second form
    ],
)
def test_a_name_a_scan_read_short_once_is_the_department_the_other_pages_read(
    first_name: str, department: str | None
) -> None:
    """惠州's form repeats its 部门名称 row atop every page (续表). Read from a scan signed across the
    name on page 1, that page's reading lost a character the other pages read: one department,
    spelt as read whole. A name differing otherwise is another department's form."""
    with open_pdf(XUBIAO_FORM) as pdf:
        content = read_pdf(pdf, texts=False)
    named = [row for row in content.rows if forms.section_of(row) == forms.DEPARTMENT]
    assert len({row.page for row in named}) > 1  # the case at hand: the row on every page
    first = named[0]
    cells = tuple(first_name if "惠州" in cell else cell for cell in first.cells)
    rows = [dataclasses.replace(row, cells=cells) if row is first else row for row in content.rows]
    title = Title("部门整体支出绩效目标申报表", DocType.DEPT_TARGET_FORM, "", None)
    pages = Pages(title, "", rows, scanned=True)
    if department is None:
        with pytest.raises(MultipleDocuments, match="of another department"):
            forms.one_document(pages)
        return
    forms.one_document(pages)
    assert forms.read(pages).department == department
    with pytest.raises(MultipleDocuments):  # print is read word for word
        forms.one_document(dataclasses.replace(pages, scanned=False))


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _project(name: str, total: str | None, fiscal: str | None) -> Project:
    return Project(name, None, _amount(total), _amount(fiscal), None, None, "", (), (1,), 1)


def _unit(**printed: str) -> list[BudgetLine]:
    labels = {"total": "总计", "fiscal": "财政拨款"}
    return [BudgetLine("单位合计", labels[key], Decimal(text), text, 1, 1) for key, text in printed.items()]


@pytest.mark.parametrize(
    ("unit", "rows", "refused"),
    [
        (_unit(total="30.00", fiscal="30.00"), [("A", "10.00", "10.00"), ("B", "20.00", "20.00")], None),
        # A blank 总计 on a row is not 0: its sources stand for it.
        (_unit(total="30.00", fiscal="30.00"), [("A", "10.00", "10.00"), ("B", None, "20.00")], None),
        # Nor on the unit row.
        (_unit(fiscal="30.00"), [("A", "10.00", "10.00"), ("B", "20.00", "20.00")], None),
        # Rounding: three figures to the cent may differ by up to 0.015.
        (_unit(total="30.01"), [("A", "10.00", None), ("B", "20.00", None)], None),
        (_unit(total="30.02"), [("A", "10.00", None), ("B", "20.00", None)], IncompleteDocument),
        # More than the total: a misprint for reconciliation (check 4b), nothing missing.
        (_unit(total="29.00"), [("A", "10.00", None), ("B", "20.00", None)], None),
        (_unit(), [("A", "10.00", None)], MissingSection),
    ],
    ids=["adds up", "blank row total", "blank unit total", "rounding", "short", "more", "no unit amounts"],
)
def test_project_rows_must_reach_their_unit_total(
    unit: list[BudgetLine],
    rows: list[tuple[str, str | None, str | None]],
    refused: type[DocumentError] | None,
) -> None:
    projects = [_project(*row) for row in rows]
    if refused is None:
        _check_complete(unit, projects, "某局")
    else:
        with pytest.raises(refused):
            _check_complete(unit, projects, "某局")


def _indicator(level1: str, level2: str, name: str) -> Indicator:
    return Indicator(level1, level2, name, None, "≥90%", 2, 9)


@pytest.mark.parametrize(
    ("levels", "indicators", "refused"),
    [
        (
            ["产出指标", "数量指标", "满意度指标", "服务对象满意度指标"],
            [("满意度指标", "服务对象满意度指标", "满意度")],
            None,
        ),
        # Older templates: 服务对象满意度 as a 二级 or a 三级指标 under 效益指标.
        (["效益指标", "服务对象满意度指标"], [("效益指标", "服务对象满意度指标", "企业满意率")], None),
        (["效益指标", "社会效益指标"], [("效益指标", "社会效益指标", "服务对象满意度（%）")], None),
        (
            ["产出指标", "数量指标", "效益指标", "社会效益指标"],
            [("效益指标", "社会效益指标", "R&D占比")],
            IncompleteDocument,
        ),
        (["产出指标"], [], MissingSection),
        (["效益指标", "社会效益指标"], [("效益指标", "社会效益指标", "服务对象满意率")], None),
        # Another framework (Guangdong's 履职效能 / 管理效率) is not judged by this one's end.
        (["履职效能", "管理效率"], [("管理效率", "预算管理", "预算执行率")], None),
    ],
    ids=[
        "满意度指标",
        "as a 二级指标",
        "as a 三级指标",
        "cut before it",
        "no 三级指标",
        "满意率",
        "another framework",
    ],
)
def test_an_indicator_block_must_reach_its_satisfaction_indicators(
    levels: list[str], indicators: list[tuple[str, str, str]], refused: type[DocumentError] | None
) -> None:
    found = [_indicator(*indicator) for indicator in indicators]
    if refused is None:
        forms._check_complete(levels, found)
    else:
        with pytest.raises(refused):
            forms._check_complete(levels, found)

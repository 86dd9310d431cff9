"""A document whose cells say something is wrong is refused, never read into fewer or merged
records: 黄埔's form and 广州's project table re-printed by LibreOffice with one cell changed each
(their .xlsx sources), then parsed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from ingest.document import parse_document
from ingest.errors import BadAmount, DocumentError, IncompleteDocument, MissingSection, MultipleDocuments
from tests.conftest import SAMPLE_FILES
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is needed to print the variants")

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
    "blank_department": (TABLE, {"A2": "部门名称："}),
    "thirty_digit_amount": (TABLE, {"B6": "123456789012345678901234567890.00"}),
    "indicators_elsewhere": (TABLE, {"G6": "见附件"}),
    "blank_indicators": (TABLE, {"G6": None}),
}


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
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
        ("blank_department", MissingSection, "names no department"),
        ("thirty_digit_amount", BadAmount, "16 digits"),
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


@pytest.mark.parametrize("variant", ["indicators_elsewhere", "blank_indicators"])
def test_a_project_without_indicators_printed_keeps_its_row_and_no_indicator(
    printed: dict[str, Path], variant: str
) -> None:
    document = parse_document(printed[variant])
    assert len(document.projects) == 26  # every row, the unit total row not among them
    first, second = document.projects[:2]
    assert first.indicators == () and first.total == Decimal("26000.00")
    assert len(second.indicators) > 0


def test_a_self_evaluation_without_the_page_of_its_total_is_refused(tmp_path: Path) -> None:
    # The sample's score table runs from page 9 onto page 10, where 总分 closes it.
    writer = pypdf.PdfWriter(clone_from=REPORT)
    writer.remove_page(9)  # page 10, 0-based
    path = tmp_path / "2022" / "without_page_10.pdf"
    path.parent.mkdir()
    writer.write(path)
    with pytest.raises(IncompleteDocument, match="before its 总分 row"):
        parse_document(path)


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
        ("guangzhou_2023_project_target_table", "huangpu_2023_dept_target_form", "部门名称 follows"),
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

"""部门整体 and 项目支出绩效自评表: identified by their titles in several wordings, read by their labels
whatever the layout (tests/fixtures/family/self_evaluation_tables/, each field against its truth in
test_family.py), and refused, never read short, when a table shows it is broken or incomplete."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest

from ingest.document import parse_document
from ingest.errors import BadAmount, DocumentError, IncompleteDocument, MultipleDocuments, UnknownDocumentType
from ingest.families.registry import identify
from ingest.records import DocType
from tests.ingest.test_contract import parse_json
from tests.ingest.test_partial_documents import without_pages
from tests.relayout import SOURCES, build_xlsx, set_cells, soffice, to_pdf

TABLES = Path(__file__).resolve().parent.parent / "fixtures" / "family" / "self_evaluation_tables"
CITY = TABLES / "guangzhou_2023_dept_self_evaluation_table.pdf"
TIANHE = TABLES / "tianhe_2024_dept_self_evaluation_table.pdf"  # Chromium, three pages, <thead>
BASIC_RESEARCH = TABLES / "guangzhou_2023_project_self_evaluation_table_basic_research.pdf"
INCUBATORS = TABLES / "huangpu_2023_project_self_evaluation_table_incubators.pdf"


@pytest.mark.parametrize(
    ("title", "doc_type", "year"),
    [
        ("部门整体支出绩效自评表\n（2023年度）", DocType.DEPT_SELF_EVALUATION_TABLE, 2023),
        ("2024年度部门整体支出绩效自评表", DocType.DEPT_SELF_EVALUATION_TABLE, 2024),
        ("附表2\n单位整体支出绩效自评表", DocType.DEPT_SELF_EVALUATION_TABLE, None),
        ("广州市科学技术局机关整体绩效自评表", DocType.DEPT_SELF_EVALUATION_TABLE, None),
        ("项目支出绩效自评表\n（2023年度）", DocType.PROJECT_SELF_EVALUATION_TABLE, 2023),
        ("2023年度项目支出绩效自评表", DocType.PROJECT_SELF_EVALUATION_TABLE, 2023),
        ("项目绩效自评表", DocType.PROJECT_SELF_EVALUATION_TABLE, None),
        ("项目支出绩效自我评价表（2022年度）", DocType.PROJECT_SELF_EVALUATION_TABLE, 2022),
        # The report keeps its family: 报告, not 表.
        ("2022年度部门整体支出绩效自评报告", DocType.SELF_EVALUATION, 2022),
    ],
)
def test_titles_of_the_tables(title: str, doc_type: DocType, year: int | None) -> None:
    family, found = identify(title + "\n部门（单位）名称 某局\n", Path("x.pdf"))
    assert (family.doc_type, found.year) == (doc_type, year)


@pytest.mark.parametrize(
    "title",
    [
        "2022年度科技创新券项目支出绩效自评报告",
        "项目支出绩效目标自评工作方案",
        "部门整体支出绩效自评工作通知",
    ],
)
def test_documents_about_the_tables_are_not_tables(title: str) -> None:
    with pytest.raises(UnknownDocumentType):
        identify(title + "\n正文", Path("x.pdf"))


@pytest.fixture(scope="module")
def tianhe() -> dict[str, Any]:
    return parse_json(TIANHE)


def test_headers_repeated_on_every_page_are_headers(tianhe: dict[str, Any]) -> None:
    """Chromium prints the <thead> (the indicators' header row) at the top of pages 2 and 3: the
    indicators run on, none of them a header, the levels carried across the breaks."""
    indicators = tianhe["evaluated_indicators"]
    assert {item["page"] for item in indicators} == {1, 2, 3}
    assert not {"三级指标", "一级指标", "年度指标值"} & {item["name"] for item in indicators}
    assert all(item["level1"] and item["level2"] for item in indicators)


def test_a_blank_actual_is_null_with_its_score_not_zero(tianhe: dict[str, Any]) -> None:
    blank = [item for item in tianhe["evaluated_indicators"] if item["actual"] is None]
    assert blank, "the Tianhe table leaves two actuals blank"
    assert all(item["actual_value"] is None and item["score"] is None for item in blank)
    assert all(item["weight"] is not None for item in blank)


def test_the_nature_and_unit_columns_join_the_target_they_qualify() -> None:
    targets = parse_document(TIANHE).targets
    first = next(target for target in targets if target.source_line == 1)
    assert (first.comparator, first.value, first.unit, first.raw_text) == ("≥", Decimal(800), "家", "≥800家")
    qualitative = [target for target in targets if target.kind == "qualitative"]
    assert qualitative and all(target.raw_text in ("合规", "有效", "达标") for target in qualitative)


def test_a_project_table_is_its_project_under_its_department() -> None:
    document = parse_document(BASIC_RESEARCH)
    assert document.header.subject == document.evaluation[0].project == "基础研究计划"
    assert document.header.department == document.evaluation[0].supervising_unit


@pytest.mark.parametrize(
    ("source", "pages", "words"),
    [(CITY, [2], "before its 总分 row"), (TIANHE, [2], "short of 总分's 100")],
    ids=["without its last page", "without a middle page"],
)
def test_a_table_that_lost_a_page_is_refused(
    tmp_path: Path, source: Path, pages: list[int], words: str
) -> None:
    with pytest.raises(IncompleteDocument, match=words):
        parse_document(without_pages(source, pages, tmp_path))


@pytest.mark.parametrize(
    ("first", "second"),
    [(BASIC_RESEARCH, INCUBATORS), (CITY, TIANHE), (INCUBATORS, CITY)],
    ids=["two projects", "two departments", "a project then a department"],
)
def test_two_tables_in_one_file_are_refused(tmp_path: Path, first: Path, second: Path) -> None:
    writer = pypdf.PdfWriter()
    for path in (first, second):
        writer.append(str(path))
    path = tmp_path / "2023" / "two.pdf"
    path.parent.mkdir()
    writer.write(path)
    with pytest.raises(MultipleDocuments):
        parse_document(path)


# Cells of the city table's source: H13 is 资助基础研究项目数's 得分, E5 年度资金总额's 全年预算数,
# H5 its 执行率, D13 the indicator's name.
VARIANTS = {
    "score_in_words": ({"H13": "满分"}, BadAmount, "资助基础研究项目数 得分"),
    "budget_in_words": ({"E5": "约三十万"}, BadAmount, "年度资金总额 全年预算数"),
    "rate_in_words": ({"H5": "较好"}, BadAmount, "执行率"),
    "scored_without_name": ({"D13": None}, IncompleteDocument, "naming no 三级指标"),
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if soffice() is None:
        pytest.skip("LibreOffice is needed to print the variants")
    root = tmp_path_factory.mktemp("tables")
    # build_xlsx reads from tests/fixtures/source/: the table's source, relative to it.
    source = os.path.relpath(CITY.with_suffix(".xlsx"), SOURCES)
    workbooks = [
        build_xlsx(source, [set_cells(cells)], root / "xlsx" / "2023" / f"{name}.xlsx")
        for name, (cells, _, _) in VARIANTS.items()
    ]
    return {pdf.stem: pdf for pdf in to_pdf(workbooks, root / "2023")}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_cell_that_breaks_a_record_refuses_the_table(variants: dict[str, Path], variant: str) -> None:
    _, error, words = VARIANTS[variant]
    with pytest.raises(DocumentError) as raised:
        parse_document(variants[variant])
    assert (type(raised.value), words in raised.value.detail) == (error, True), raised.value.detail
    assert str(raised.value).startswith(str(variants[variant]))

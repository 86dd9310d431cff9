"""The family of real documents, not our three templates: documents of other bureaus and years, other
producers and other wording, each against its hand-written truth (tests/fixtures/family/, README there).

- city_forms/: a 2024 市级部门整体预算绩效目标表 (no 申报, the year printed, one 指标值 column, 基本信息
  with 财政供养人员数, blank amounts, ≧ and full-width targets, tasks over a page break) and a 2023 form
  with extra indicator columns (指标方向, 计量单位, 指标值说明, 评（扣）分标准);
- producers/: the two sample forms printed by headless Chromium from HTML (CJK radicals in the text
  layer, rows split across pages without a closing rule) and with distributed labels (分散对齐);
- reports/: a self-evaluation of another district in its own words, the year first in its title;
- self_evaluation_tables/: 部门整体 and 项目支出绩效自评表 in the national layout and local variants
  (指标性质 and 计量单位 columns, no 年初预算数, headers repeated on every page, blank actuals), printed
  by LibreOffice and by Chromium; one prints no year and lies in a 2024/ folder.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ingest.document import parse_document
from ingest.errors import DocumentError, UnknownDocumentType
from ingest.families.registry import identify
from ingest.records import DocType
from tests.conftest import SAMPLE_FILES
from tests.ingest.test_contract import load_exact, parse_json, project
from tests.relayout import soffice, unrelated_pdf
from tests.truth_fields import TRUTH

FAMILY = Path(__file__).resolve().parent.parent / "fixtures" / "family"
DOCUMENTS = sorted(path for path in FAMILY.rglob("*.pdf") if path.with_suffix(".truth.json").exists())
# The samples' forms print no year: their other printings take it from the command line.
NO_PRINTED_YEAR = {"producers"}


def truth_of(path: Path) -> dict[str, Any]:
    return load_exact(path.with_suffix(".truth.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def parsed(path: Path) -> dict[str, Any]:
    if path.parent.name in NO_PRINTED_YEAR:
        return parse_json(path, "--year", str(truth_of(path)["year"]))
    return parse_json(path)


@pytest.mark.parametrize(
    "path", DOCUMENTS, ids=[str(p.relative_to(FAMILY).with_suffix("")) for p in DOCUMENTS]
)
def test_document_parses_to_its_truth_field_by_field(path: Path) -> None:
    expected = truth_of(path)
    if "refused" in expected:  # a document of another family, printed to be told apart
        with pytest.raises(DocumentError) as raised:
            parse_document(path)
        assert raised.value.kind == expected["refused"], raised.value.detail
        return
    output = parsed(path)
    for key, value in expected.items():
        if isinstance(value, list):
            fields = list(value[0])
            assert project(output[key], fields) == value, f"{path.name}: {key} differ"
        elif isinstance(value, dict):
            assert project([output[key]], list(value)) == [value], f"{path.name}: {key} differ"
        else:
            assert output[key] == value, f"{path.name}: {key}"


def test_the_year_is_read_from_the_title_before_or_after_the_department() -> None:
    report = parsed(FAMILY / "reports" / "nansha_2023_self_evaluation.pdf")
    form = parsed(FAMILY / "city_forms" / "shaoguan_2024_city_form.pdf")
    assert (report["year"], report["year_source"], report["department"]) == (
        2023,
        "document",
        "广州市南沙区科学技术局",
    )
    assert (form["year"], form["year_source"]) == (2024, "document")


def test_blank_amounts_are_null_lines_not_zero_and_not_dropped() -> None:
    form = parsed(FAMILY / "city_forms" / "shaoguan_2024_city_form.pdf")
    blank = [line for line in form["budget_lines"] if line["amount_wan_yuan"] is None]
    assert len(blank) == 4


def test_one_target_column_is_the_annual_target_and_states_no_period_target() -> None:
    form = parsed(FAMILY / "city_forms" / "shaoguan_2024_city_form.pdf")
    assert all(indicator["period_target"] is None for indicator in form["indicators"])
    assert not any("≧" in i["annual_target"] or "９" in i["annual_target"] for i in form["indicators"])


def test_extra_columns_never_reach_a_target() -> None:
    form = parsed(FAMILY / "city_forms" / "zhaoqing_2023_extra_columns_form.pdf")
    words = ("正向", "反向", "评分", "扣分", "说明")
    assert not any(
        word in i["annual_target"] + (i["period_target"] or "") for i in form["indicators"] for word in words
    )


def test_a_browser_printing_reads_like_the_spreadsheet_printing() -> None:
    chromium = parsed(FAMILY / "producers" / "huangpu_2023_dept_target_form_chromium.pdf")
    sample = parse_json(SAMPLE_FILES["huangpu_2023_dept_target_form"])
    lineage = {"page", "pages", "row", "sha256", "source_path", "page_count", "year_source", "year"}
    for key in ("budget_lines", "key_tasks", "indicators"):
        strip = [{k: v for k, v in record.items() if k not in lineage} for record in chromium[key]]
        assert strip == [{k: v for k, v in record.items() if k not in lineage} for record in sample[key]]
    assert chromium["department"] == sample["department"]  # ⼴州市⻩埔区 read as 广州市黄埔区


def test_a_report_in_other_words_gives_every_figure_of_the_sample() -> None:
    """The same 47 measures as the sample report, at least 30 of them worded differently."""
    report = parsed(FAMILY / "reports" / "nansha_2023_self_evaluation.pdf")
    sample = truth_of(TRUTH / "huangpu_2022_self_evaluation.pdf")
    templated = ("入选", "自评得分（满分")
    sample_labels = {f["label"] for f in sample["facts"] if not f["label"].startswith(templated[0])}
    sample_labels = {label for label in sample_labels if templated[1] not in label}
    assert sample_labels <= {fact["label"] for fact in report["facts"]}
    reworded = sum(
        1
        for fact in report["facts"]
        for original in sample["facts"]
        if fact["label"] == original["label"] and _words(fact["text"]) != _words(original["text"])
    )
    assert reworded >= 30


def _words(text: str) -> str:
    return "".join(char for char in text if not char.isdigit() and char not in " ,.")


@pytest.mark.parametrize(
    ("title", "doc_type", "year"),
    [
        ("部门整体预算绩效目标申报表", DocType.DEPT_TARGET_FORM, None),
        ("2024年市级部门整体预算绩效目标表", DocType.DEPT_TARGET_FORM, 2024),
        ("附件2\n2023年度区级部门整体支出绩效目标申报表", DocType.DEPT_TARGET_FORM, 2023),
        ("项目支出绩效目标表（含转移支付项目）", DocType.PROJECT_TARGET_TABLE, None),
        ("2025年项目支出绩效目标申报表", DocType.PROJECT_TARGET_TABLE, 2025),
        ("广州市黄埔区科学技术局2022年度部门整体支出\n绩效自评报告", DocType.SELF_EVALUATION, 2022),
        ("2021 年茂名市发展和改革局整体支出绩效自评报告", DocType.SELF_EVALUATION, 2021),
        ("韶关市科学技术局部门整体支出绩效自评报告（2023年度）", DocType.SELF_EVALUATION, 2023),
        # Other offices' words for the same report (单位 before 自评, 机关 for 部门, 评价 for 自评 …).
        ("广州市海珠区科学技术局2023年度部门整体支出绩效单位自评报告", DocType.SELF_EVALUATION, 2023),
        ("广州市番禺区科技工业商务和信息化局机关整体支出绩效评价报告", DocType.SELF_EVALUATION, None),
        ("部门整体支出绩效评价报告", DocType.SELF_EVALUATION, None),
        ("关于2022年度部门整体支出绩效自评情况的报告", DocType.SELF_EVALUATION, 2022),
        ("2024年度整体支出绩效自评报告\n广州市白云区科学技术局", DocType.SELF_EVALUATION, 2024),
        ("广州市花都区科学技术局部门整体支出绩效自我评价报告", DocType.SELF_EVALUATION, None),
        ("广州市从化区科学技术局2023年度部门整体绩效自评报告", DocType.SELF_EVALUATION, 2023),
        ("广州市增城区科学技术局单位整体支出绩效自评报告（2023年度）", DocType.SELF_EVALUATION, 2023),
    ],
)
def test_titles_of_the_family(title: str, doc_type: DocType, year: int | None) -> None:
    family, found = identify(title + "\n部门名称 某局\n", Path("x.pdf"))
    assert (family.doc_type, found.doc_type, found.year) == (doc_type, doc_type, year)


@pytest.mark.parametrize(
    "title",
    [
        "2022年度广州市科学技术局部门决算",
        "广州市科学技术局2024年部门预算",
        "2022年度科技创新券项目支出绩效自评报告",
        "2022年度部门决算\n目录\n附件：部门整体支出绩效自评报告",
        "关于开展2023年度部门整体支出绩效自评工作的通知",
        "2023年度科技企业孵化器专项资金项目支出绩效评价报告",
        "部门整体支出绩效评价工作方案",
        "广州市财政局关于部门整体支出绩效评价结果的通报",
    ],
)
def test_other_documents_are_refused_by_their_title(title: str) -> None:
    with pytest.raises(UnknownDocumentType):
        identify(title + "\n正文", Path("x.pdf"))


@pytest.fixture(scope="module")
def long_unrelated_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-page 部门决算: printed by LibreOffice, its page repeated with pypdf."""
    if soffice() is None:
        pytest.skip("LibreOffice is needed to print the document")
    folder = tmp_path_factory.mktemp("unrelated")
    return unrelated_pdf(folder, pages=300)


def test_an_unrelated_long_pdf_is_refused_after_page_one(long_unrelated_pdf: Path) -> None:
    with pytest.raises(UnknownDocumentType) as refused:
        parse_document(long_unrelated_pdf)
    assert "决算" in str(refused.value)


def test_the_sample_report_keeps_exactly_its_47_facts() -> None:
    facts = parse_json(SAMPLE_FILES["huangpu_2022_self_evaluation"])["facts"]
    assert len(facts) == 47
    assert sum(fact["value"] for fact in facts if fact["label"] in {"基本支出", "项目支出"}) == Decimal(
        "383193.53"
    )


@pytest.mark.parametrize(
    ("first_page", "last_page", "department"),
    [
        ("部门整体支出绩效评价报告\n单位名称：广州市海珠区科学技术局\n根据…", "", "广州市海珠区科学技术局"),
        ("2024年度整体支出绩效自评报告\n广州市白云区科学技术局\n一、基本情况", "", "广州市白云区科学技术局"),
        (
            "部门整体支出绩效评价报告\n一、基本情况\n我局…",
            "…特此报告。\n广州市花都区科学技术局\n2024年3月15日",
            "广州市花都区科学技术局",
        ),
        ("关于2022年度部门整体支出绩效自评情况的报告\n各有关单位：…", "…\n特此报告。", None),
    ],
    ids=["a 单位名称 line", "the line under the title", "the signature", "nowhere"],
)
def test_a_report_whose_title_names_no_department_names_it_elsewhere(
    first_page: str, last_page: str, department: str | None
) -> None:
    from ingest.families.self_evaluation_report import department_in_text, department_name

    _, title = identify(first_page, Path("x.pdf"))
    assert department_name(title) is None
    assert department_in_text(title, first_page, last_page) == department

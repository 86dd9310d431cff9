"""The form parser on layouts it has never seen: the sample forms re-laid-out and printed again by
LibreOffice, and a form of another district with other budget labels and other indicator values."""

from __future__ import annotations

import dataclasses
import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.contract import to_contract
from ingest.departments import DepartmentDirectory
from ingest.document import parse_document
from jixiao.runtime.settings import Settings
from jixiao.stages.land import land_all
from tests.conftest import SAMPLE_FILES
from tests.relayout import (
    build_xlsx,
    fit_to_width,
    page_breaks_after,
    portrait,
    set_cells,
    set_widths,
    soffice,
    to_pdf,
)

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is needed to print the variants")

HUANGPU = "huangpu_2023_dept_target_form.xlsx"
GUANGZHOU = "guangzhou_2023_dept_target_form.xlsx"
LINEAGE = {"page", "pages", "row", "sha256", "source_path", "page_count"}

LAYOUTS = {
    # name: (source workbook, sample it must read like, edits)
    "huangpu_portrait_narrow": (
        HUANGPU,
        "huangpu_2023_dept_target_form",
        [portrait, fit_to_width, set_widths({"A": 8, "D": 30, "I": 30}), page_breaks_after()],
    ),
    "huangpu_wide_breaks_elsewhere": (
        HUANGPU,
        "huangpu_2023_dept_target_form",
        [fit_to_width, set_widths({"B": 14, "D": 50, "G": 10, "I": 50}), page_breaks_after(8, 30)],
    ),
    "huangpu_break_inside_tasks": (
        HUANGPU,
        "huangpu_2023_dept_target_form",
        [fit_to_width, set_widths({"D": 36, "I": 36}), page_breaks_after(11, 24, 42)],
    ),
    "guangzhou_portrait": (
        GUANGZHOU,
        "guangzhou_2023_dept_target_form",
        [portrait, fit_to_width, page_breaks_after()],
    ),
    "guangzhou_break_inside_indicators": (
        GUANGZHOU,
        "guangzhou_2023_dept_target_form",
        [fit_to_width, set_widths({"D": 30, "E": 24}), page_breaks_after(6, 21)],
    ),
}

NANSHA_EDITS = {
    "B2": "广州市南沙区科学技术局（部门）",
    "B4": "人员经费",
    "D4": 1234.56,
    "E4": "一般公共预算拨款",
    "H4": 98765.43,
    "B5": "公用经费",
    "D5": 321,
    "E5": "政府性基金预算拨款",
    "H5": 1200.5,
    "B11": "任务1：建设南沙科学城",
    "F11": 5000.5,
    "E19": "≥2000家",
    "H19": "≥1800家",
    "E20": "≥500家",
    "H20": "≥450家",
}


def strip_lineage(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: strip_lineage(item) for key, item in value.items() if key not in LINEAGE}
    if isinstance(value, list):
        return [strip_lineage(item) for item in value]
    return value


def records(path: Path) -> dict[str, Any]:
    departments = DepartmentDirectory.from_seed(Settings.from_env().departments_seed)
    return strip_lineage(to_contract(parse_document(path, departments=departments)))


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every variant built and printed to PDF in one LibreOffice run, under a <year>/ folder."""
    folder = tmp_path_factory.mktemp("layouts") / "2023"
    workbooks = {
        name: build_xlsx(source, edits, folder / f"{name}.xlsx")
        for name, (source, _, edits) in LAYOUTS.items()
    }
    workbooks["nansha_form"] = build_xlsx(HUANGPU, [set_cells(NANSHA_EDITS)], folder / "nansha_form.xlsx")
    workbooks["unknown_department_form"] = build_xlsx(
        GUANGZHOU, [set_cells({"B2": "深圳市科技创新局"})], folder / "unknown_department_form.xlsx"
    )
    pdfs = to_pdf(list(workbooks.values()), folder)
    for workbook in workbooks.values():
        workbook.unlink()
    return dict(zip(workbooks, pdfs, strict=True))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_relaid_out_form_gives_the_same_records(printed: dict[str, Path], layout: str) -> None:
    sample = SAMPLE_FILES[LAYOUTS[layout][1]]
    assert records(printed[layout]) == records(sample)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_relayout_really_moved_rows_to_other_pages(printed: dict[str, Path], layout: str) -> None:
    def pages(path: Path) -> list[tuple[int, int]]:
        document = parse_document(path)
        return [(i.page, i.row) for i in document.indicators] + [
            (t.pages[0], t.row) for t in document.key_tasks
        ]

    assert pages(printed[layout]) != pages(SAMPLE_FILES[LAYOUTS[layout][1]])


def test_form_of_another_district_with_other_labels_and_values(printed: dict[str, Path]) -> None:
    output = records(printed["nansha_form"])
    assert output["department"] == "广州市南沙区科学技术局（部门）"
    assert output["department_code"] == "nansha_sti"
    lines = [(line["label"], line["amount_wan_yuan"]) for line in output["budget_lines"]]
    assert lines[:4] == [
        ("人员经费", Decimal("1234.56")),
        ("一般公共预算拨款", Decimal("98765.43")),
        ("公用经费", Decimal("321.00")),
        ("政府性基金预算拨款", Decimal("1200.50")),
    ]
    assert len(lines) == 8
    assert (output["key_tasks"][0]["name"], output["key_tasks"][0]["funds_wan_yuan"]) == (
        "任务1：建设南沙科学城",
        Decimal("5000.50"),
    )
    first, second = output["indicators"][:2]
    assert (first["period_target"], first["annual_target"]) == ("≥2000家", "≥1800家")
    assert (second["period_target"], second["annual_target"]) == ("≥500家", "≥450家")
    assert (first["level1"], first["level2"]) == ("产出指标", "数量指标")


def test_unknown_department_lands_with_a_warning_naming_the_file(
    printed: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    landing = tmp_path / "landing" / "2023"
    landing.mkdir(parents=True)
    target = landing / "shenzhen.pdf"
    target.write_bytes(printed["unknown_department_form"].read_bytes())
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing.parent,
        warehouse=tmp_path / "warehouse.duckdb",
        state_dir=tmp_path / "state",
    )
    with caplog.at_level(logging.WARNING, logger="jixiao.stages.land"):
        summary = land_all(settings)
    assert summary.new == ["2023/shenzhen.pdf"]
    assert summary.unknown_departments == {"2023/shenzhen.pdf": "深圳市科技创新局"}
    assert any(str(target) in message and "深圳市科技创新局" in message for message in caplog.messages)
    with duckdb.connect(str(settings.state.build_warehouse), read_only=True) as connection:
        row = connection.execute("select department, department_code from raw.documents").fetchone()
    assert row == ("深圳市科技创新局", None)


def test_json_of_a_variant_is_the_contract(printed: dict[str, Path]) -> None:
    # Amounts stay exact through the JSON contract of a printed variant too.
    from ingest.contract import to_json

    document = parse_document(printed["nansha_form"])
    data = json.loads(to_json(document), parse_float=Decimal)
    assert data["budget_lines"][0]["amount_wan_yuan"] == Decimal("1234.56")

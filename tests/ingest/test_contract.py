"""`jixiao parse FILE --json` on the real sample PDFs, field by field against the truth files."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_FILES, TRUTH, bin_path


def load_exact(text: str) -> Any:
    # Amounts compare as the decimals printed, not as floats.
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


def parse_json(path: Path, *extra: str) -> dict[str, Any]:
    result = subprocess.run(
        [bin_path("jixiao"), "parse", str(path), "--json", *extra],
        capture_output=True,
        text=True,
        check=True,
    )
    return load_exact(result.stdout)


def truth(name: str) -> dict[str, Any]:
    return load_exact((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8"))


def project(records: list[dict[str, Any]], fields: list[str]) -> list[dict[str, Any]]:
    return [{field: record[field] for field in fields} for record in records]


@pytest.fixture(scope="module", params=sorted(SAMPLE_FILES), ids=sorted(SAMPLE_FILES))
def parsed(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, parse_json(SAMPLE_FILES[request.param])


def test_document_identity_matches_truth(parsed: tuple[str, dict[str, Any]]) -> None:
    name, output = parsed
    expected = truth(name)
    assert (output["department"], output["year"], output["doc_type"]) == (
        expected["department"],
        expected["year"],
        expected["doc_type"],
    )


TABLE_DOCUMENTS = [name for name in sorted(SAMPLE_FILES) if "self_evaluation" not in name]


@pytest.mark.parametrize("name", TABLE_DOCUMENTS)
def test_every_record_matches_truth_field_by_field(name: str) -> None:
    """Forms and the project table: every list of the truth file, every record, every field."""
    output, expected = parse_json(SAMPLE_FILES[name]), truth(name)
    for key, records in expected.items():
        if not isinstance(records, list):
            continue
        assert key in output, f"{name}: no {key}"
        fields = list(records[0])
        assert project(output[key], fields) == records, f"{name}: {key} differ"


def test_budget_lines_keep_reading_order() -> None:
    output = parse_json(SAMPLE_FILES["guangzhou_2023_dept_target_form"])
    assert [line["label"] for line in output["budget_lines"]][:4] == [
        "基本支出",
        "财政拨款",
        "项目支出",
        "其他资金",
    ]


def test_form_texts_as_printed() -> None:
    output = parse_json(SAMPLE_FILES["huangpu_2023_dept_target_form"])
    assert output["overall_goal"].startswith("全面贯彻落实党的二十大")
    assert output["overall_goal"].endswith("开放创新生态。")
    assert output["other_tasks"] is None  # printed blank
    task4 = output["key_tasks"][3]
    assert task4["content"].startswith("科技创新政策体系持续优化。")
    assert task4["goal"].startswith("力争区内企业获得生物医药批件数超过10件")
    assert (task4["page"], task4["pages"]) == (2, [2])


def test_budget_execution_facts_match_truth() -> None:
    """Every fact the skeleton's pattern table finds is a truth fact, with all its fields."""
    name = "huangpu_2022_self_evaluation"
    output = parse_json(SAMPLE_FILES[name])
    expected = {fact["label"]: fact for fact in truth(name)["facts"]}
    fields = ["label", "value", "unit", "qualifier", "text"]
    found = project(output["facts"], fields)
    budget_execution = ["全年预算数", "执行数", "预算完成率", "基本支出", "项目支出", "年末结转和结余"]
    assert [fact["label"] for fact in found if fact["label"] in budget_execution] == budget_execution
    for fact in found:
        assert fact == project([expected[fact["label"]]], fields)[0]


def test_year_source_is_recorded(parsed: tuple[str, dict[str, Any]]) -> None:
    _, output = parsed
    # The 2023 forms do not print a year: it comes from the <year>/ landing folder.
    expected = "document" if output["doc_type"] == "self_evaluation" else "landing_path"
    assert output["year_source"] == expected


def test_lineage_points_at_the_printed_row() -> None:
    output = parse_json(SAMPLE_FILES["huangpu_2023_dept_target_form"])
    assert len(output["sha256"]) == 64
    first = output["budget_lines"][0]
    assert (first["label"], first["page"]) == ("基本支出", 1)
    assert output["budget_lines"][0]["row"] == output["budget_lines"][1]["row"]  # the left and right pair


def test_year_override(tmp_path: Path) -> None:
    output = parse_json(SAMPLE_FILES["huangpu_2023_dept_target_form"], "--year", "2024")
    assert (output["year"], output["year_source"]) == (2024, "override")

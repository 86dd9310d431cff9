"""`jixiao parse FILE --json` on the real sample PDFs, field by field against the truth files.

The command runs in-process (each sample parsed once); one test runs it as a subprocess, as users do.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jixiao.cli import main
from tests.conftest import SAMPLE_FILES, bin_path
from tests.truth_fields import TRUTH


def load_exact(text: str) -> Any:
    # Amounts compare as the decimals printed, not as floats.
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


@functools.cache
def command_output(path: Path, *extra: str) -> str:
    """What `jixiao parse PATH --json EXTRA…` prints, run in this process."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["parse", str(path), "--json", *extra]) == 0
    return printed.getvalue()


def parse_json(path: Path, *extra: str) -> dict[str, Any]:
    return load_exact(command_output(path, *extra))


def test_the_installed_command_prints_the_same_contract() -> None:
    path = SAMPLE_FILES["huangpu_2022_self_evaluation"]
    result = subprocess.run(
        [bin_path("jixiao"), "parse", str(path), "--json"], capture_output=True, text=True, check=True
    )
    assert result.stdout == command_output(path)


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


@pytest.mark.parametrize("name", sorted(SAMPLE_FILES))
def test_every_record_matches_truth_field_by_field(name: str) -> None:
    """Every list of the truth file, every record, every field, in the truth's order."""
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


def test_self_evaluation_gives_exactly_the_47_facts() -> None:
    name = "huangpu_2022_self_evaluation"
    output = parse_json(SAMPLE_FILES[name])
    assert len(output["facts"]) == len(truth(name)["facts"]) == 47
    grade = next(fact for fact in output["facts"] if fact["label"] == "自评等级")
    assert grade["value"] == "优"  # a word, not a number
    lower_bounds = {fact["label"]: fact["qualifier"] for fact in output["facts"] if fact["qualifier"]}
    assert lower_bounds["高新技术企业总数"] == "突破"
    assert lower_bounds["高端研发机构"] == "多"


def test_score_table_total_on_the_next_page() -> None:
    output = parse_json(SAMPLE_FILES["huangpu_2022_self_evaluation"])
    total = output["scores"][-1]
    assert (total["level1"], total["score"], total["page"]) == ("总分", Decimal("94.57"), 10)
    assert sum(score["score"] for score in output["scores"][:-1]) == total["score"]


def test_project_rows_split_unit_goal_and_indicators() -> None:
    output = parse_json(SAMPLE_FILES["guangzhou_2023_project_target_table"])
    projects = {project["name"]: project for project in output["projects"]}
    tcl = projects["企业创新计划-TCL华星光电T9项目（黄埔区）"]
    assert tcl["unit"] == "黄埔区"
    assert tcl["goal"].startswith("支持发展第8.6代TFT-LCD氧化物半导体显示器件生产项目")
    assert [(i["number"], i["level1"], i["annual_target"]) for i in tcl["indicators"]] == [
        (1, "产出指标", "≥150"),
        (2, "产出指标", "支持发展新型显示器件生产线项目1个"),
        (3, "效益指标", "进一步提高"),
        (4, "效益指标", "≥30"),
    ]
    assert tcl["indicators"][0]["name"] == "落户以来完成累计固定资产投资（亿元）"
    assert projects["基础研究计划"]["unit"] is None
    assert sum(1 for name in projects if projects[name]["unit"]) == 4
    # Numbering restarts inside one cell (1、2、1、2、3、) are separate items, in order.
    chaoshi = next(p for name, p in projects.items() if name.startswith("企业创新计划-超视堺"))
    assert [i["number"] for i in chaoshi["indicators"]] == [1, 2, 1, 2, 3]
    assert all(i["annual_target"] for p in projects.values() for i in p["indicators"])


def test_latex_target_is_normalised() -> None:
    output = parse_json(SAMPLE_FILES["guangzhou_2023_project_target_table"])
    targets = [i["annual_target"] for p in output["projects"] for i in p["indicators"]]
    assert any(
        target.startswith("1. 人工智能领域新增重大科技项目中科技企业作为承担单位比率≥80%。")
        for target in targets
    )


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

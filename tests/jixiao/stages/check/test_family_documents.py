"""Documents of other bureaus through landing, the real dbt project and reconciliation: a blank amount
lands as a null line and the form checks that would add it are not applicable (missing, not zero); a
report worded its own way lands its figures under the catalog's names, and a figure that maps to
nothing shows in the unmapped-wordings audit."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pytest

from jixiao.runtime.settings import Settings
from jixiao.stages.check.results import StageResult
from jixiao.stages.land import land_all
from tests.conftest import PROJECT_ROOT, transform

FAMILY = PROJECT_ROOT / "tests" / "fixtures" / "family"
DOCUMENTS = {
    "2024/shaoguan.pdf": FAMILY / "city_forms" / "shaoguan_2024_city_form.pdf",
    "2023/zhaoqing.pdf": FAMILY / "city_forms" / "zhaoqing_2023_extra_columns_form.pdf",
    "2023/nansha.pdf": FAMILY / "reports" / "nansha_2023_self_evaluation.pdf",
}


@pytest.fixture(scope="module")
def family_night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, StageResult]:
    """The family documents landed, and the transform's order on them: the whole dbt project
    (models and tests) and both checkpoints."""
    root = tmp_path_factory.mktemp("family")
    for name, source in DOCUMENTS.items():
        (root / "landing" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, root / "landing" / name)
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=root / "landing",
        warehouse=root / "served.duckdb",
        state_dir=root / "state",
    )
    summary = land_all(settings)
    assert sorted(summary.new) == sorted(DOCUMENTS) and not summary.quarantined, summary
    build = settings.state.transform_warehouse
    build.parent.mkdir(parents=True)
    shutil.copy2(settings.state.build_warehouse, build)
    documents, _ = transform(settings, build, root / "dbt")
    return build, documents


@pytest.fixture(scope="module")
def family_warehouse(family_night: tuple[Path, StageResult]) -> Path:
    return family_night[0]


def test_a_department_the_seed_does_not_know_lands_under_its_printed_name(
    family_night: tuple[Path, StageResult],
) -> None:
    """Shaoguan and Zhaoqing are in no row of the seed: warned (6d), listed in the audit, never
    rejected; their budget reaches the marts under the printed name."""
    warehouse, documents = family_night
    assert documents.rejected == []
    warned = query(
        warehouse,
        "select source_paths from audit.audit_document_checks"
        " where check_id = 'department_known' and observed = 1 order by 1",
    )
    assert warned == [("2023/zhaoqing.pdf",), ("2024/shaoguan.pdf",)]
    assert documents.checks["department_known"] == "warned"
    assert query(warehouse, "select department_name from audit.audit_unmatched_departments order by 1") == [
        ("肇庆市科学技术局",),
        ("韶关市工业和信息化局",),
    ]
    served = query(
        warehouse,
        "select distinct department_name_printed, department_code from marts.mart_budget_overview order by 1",
    )
    assert ("肇庆市科学技术局", None) in served and ("韶关市工业和信息化局", None) in served


def query(warehouse: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_blank_amounts_land_as_null_lines(family_warehouse: Path) -> None:
    rows = query(
        family_warehouse,
        "select count(*), count(amount_wan_yuan) from raw.budget_lines lines"
        " join raw.documents using (document_sha256) where source_path = '2024/shaoguan.pdf'",
    )
    assert rows == [(8, 4)]


def test_form_checks_treat_a_blank_amount_as_missing(family_warehouse: Path) -> None:
    rows = query(
        family_warehouse,
        "select check_id, applicable, detail from audit.audit_document_checks"
        " where source_paths = '2024/shaoguan.pdf' and check_id in ('budget_identity', 'key_task_funds')",
    )
    assert {check: applicable for check, applicable, _ in rows} == {
        "budget_identity": False,
        "key_task_funds": False,
    }
    assert all(str(detail).startswith("blank amounts: ") for _, _, detail in rows)


def test_one_target_column_gives_annual_targets_only(family_warehouse: Path) -> None:
    periods = query(
        family_warehouse,
        "select distinct period from raw.target_parts join raw.documents using (document_sha256)"
        " where source_path = '2024/shaoguan.pdf' and source = 'form_indicator'",
    )
    assert periods == [("annual",)]


def test_a_report_in_its_own_words_reaches_the_trend_marts(family_warehouse: Path) -> None:
    actual = query(
        family_warehouse,
        "select actual_value, actual_qualifier from marts.mart_high_tech_enterprise_trend"
        " where department_code = 'nansha_sti' and fiscal_year = 2023"
        " and measure_code = 'high_tech_enterprise_count'",
    )
    assert actual == [(1136, None)]


def test_figures_that_map_to_nothing_show_in_the_audit(family_warehouse: Path) -> None:
    unmapped = {
        wording
        for (wording,) in query(
            family_warehouse,
            "select wording from audit.audit_unmapped_indicator_wordings where n_actuals > 0",
        )
    }
    assert "研发投入强度较上年提高" in unmapped
    assert "全年预算数" not in unmapped  # the catalog names the budget lines a report states

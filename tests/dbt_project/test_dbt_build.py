"""The real dbt project built on a real warehouse landed from the sample PDFs."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jixiao.runtime.settings import Settings
from tests.conftest import SampleWarehouse, dbt_build, dbt_statuses, run_dbt


@pytest.fixture
def raw_build(landed_samples: tuple[Settings, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's landed raw build, for a test that builds dbt on changed records."""
    build = tmp_path / "warehouse.duckdb"
    shutil.copy2(landed_samples[1], build)
    monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(build))
    return build


def test_dbt_build_passes_with_key_tests(sample_warehouse: SampleWarehouse) -> None:
    ran = sample_warehouse.dbt_nodes
    assert set(ran.values()) == {"pass", "success"}, ran
    for key_test in (
        "unique_stg_raw__documents_document_sha256",
        "not_null_stg_raw__documents_document_sha256",
        "unique_combination_stg_raw__budget_lines_document_sha256__line_number",
        "unique_combination_stg_raw__projects_document_sha256__line_number",
    ):
        assert ran[key_test] == "pass"
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        schemas = {
            row[0]
            for row in connection.execute("select schema_name from information_schema.schemata").fetchall()
        }
        types = dict(
            connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'mart_budget_overview'"
            ).fetchall()
        )
    assert {"raw", "staging", "marts", "audit", "reconciliation"} <= schemas
    assert types["amount_wan_yuan"] == "DECIMAL(20,4)"  # never DOUBLE


def test_key_test_fails_on_a_duplicated_line(raw_build: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(raw_build)) as connection:
        connection.execute(
            "create table raw.budget_lines_copy as select * from raw.budget_lines;"
            "insert into raw.budget_lines_copy select * from raw.budget_lines limit 1;"
            "drop table raw.budget_lines;"
            "alter table raw.budget_lines_copy rename to budget_lines;"
        )
    result = dbt_build(tmp_path, "--select", "stg_raw__documents", "stg_raw__budget_lines")
    assert not result.success
    assert (
        dbt_statuses(result)["unique_combination_stg_raw__budget_lines_document_sha256__line_number"]
        == "fail"
    )


def test_docs_generate_writes_the_catalog(sample_warehouse: SampleWarehouse, tmp_path: Path) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(sample_warehouse.path, copy)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(copy))
        result = run_dbt(tmp_path, "docs", "generate")
    assert result.success
    catalog = (tmp_path / "target" / "catalog.json").read_text(encoding="utf-8")
    assert all(name in catalog for name in ("mart_indicator_trend", "dim_indicator", "fct_indicator_target"))


def test_samples_reach_the_trend_marts(sample_warehouse: SampleWarehouse) -> None:
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        huangpu = connection.execute(
            """
            select fiscal_year, target_comparator, target_value, actual_value, actual_qualifier, attainment
            from marts.mart_high_tech_enterprise_trend
            where department_code = 'huangpu_sti' and measure_code = 'high_tech_enterprise_count'
            order by fiscal_year
            """
        ).fetchall()
        guangzhou = dict(
            connection.execute(
                """
                select measure_code, target_value from marts.mart_high_tech_enterprise_trend
                where department_code = 'gz_sti' and fiscal_year = 2023
                """
            ).fetchall()
        )
    assert huangpu == [
        (2022, None, None, Decimal("2500"), "突破", "no target"),
        (2023, ">", Decimal("2500"), None, None, "no actual yet"),
    ]
    assert guangzhou == {
        "high_tech_enterprise_certified": Decimal("4000"),
        "high_tech_enterprise_applications": Decimal("4500"),
    }

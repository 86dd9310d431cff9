"""The real dbt project built on a real warehouse landed from the sample PDFs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunnerResult

from ingest.pipeline import land_all
from ingest.settings import Settings
from tests.conftest import dbt_build, run_dbt


@pytest.fixture
def warehouse(landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing,
        warehouse=tmp_path / "served.duckdb",
        state_dir=tmp_path / "state",
    )
    land_all(settings)
    monkeypatch.setenv("JIXIAO_WAREHOUSE", str(settings.build_warehouse))
    return settings.build_warehouse


def statuses(result: dbtRunnerResult) -> dict[str, str]:
    return {node.node.name: str(node.status) for node in result.result}  # type: ignore[union-attr]


def test_dbt_build_passes_with_key_tests(warehouse: Path, tmp_path: Path) -> None:
    result = dbt_build(tmp_path)
    assert result.success, statuses(result)
    ran = statuses(result)
    for key_test in (
        "unique_stg_raw__documents_document_sha256",
        "not_null_stg_raw__documents_document_sha256",
        "unique_combination_stg_raw__budget_lines_document_sha256__line_number",
        "unique_combination_stg_raw__projects_document_sha256__line_number",
    ):
        assert ran[key_test] == "pass"
    # dbt-duckdb keeps its (read-write) connection open in this process: open the file the same way.
    with duckdb.connect(str(warehouse)) as connection:
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
    assert {"raw", "staging", "marts"} <= schemas
    assert types["amount_wan_yuan"] == "DECIMAL(20,4)"  # never DOUBLE


def test_key_test_fails_on_a_duplicated_line(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "create table raw.budget_lines_copy as select * from raw.budget_lines;"
            "insert into raw.budget_lines_copy select * from raw.budget_lines limit 1;"
            "drop table raw.budget_lines;"
            "alter table raw.budget_lines_copy rename to budget_lines;"
        )
    result = dbt_build(tmp_path)
    assert not result.success
    assert statuses(result)["unique_combination_stg_raw__budget_lines_document_sha256__line_number"] == "fail"


def test_docs_generate_writes_the_catalog(warehouse: Path, tmp_path: Path) -> None:
    assert dbt_build(tmp_path).success
    result = run_dbt(tmp_path, "docs", "generate")
    assert result.success
    catalog = (tmp_path / "target" / "catalog.json").read_text(encoding="utf-8")
    assert all(name in catalog for name in ("mart_indicator_trend", "dim_indicator", "fct_indicator_target"))


def test_samples_reach_the_trend_marts(warehouse: Path, tmp_path: Path) -> None:
    assert dbt_build(tmp_path).success
    with duckdb.connect(str(warehouse)) as connection:
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

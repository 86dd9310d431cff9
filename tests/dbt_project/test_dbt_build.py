"""The real dbt project built on a real warehouse landed from the sample PDFs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from jixiao.runtime.settings import Settings
from tests.conftest import (
    PROJECT_ROOT,
    SampleWarehouse,
    dbt_build,
    dbt_outcome,
    dbt_statuses,
    dbt_test,
    run_dbt,
)


@pytest.fixture
def raw_build(landed_samples: tuple[Settings, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the session's landed raw build, for a test that builds dbt on changed records."""
    build = tmp_path / "warehouse.duckdb"
    shutil.copy2(landed_samples[1], build)
    monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(build))
    return build


def test_dbt_build_passes_with_key_tests(sample_warehouse: SampleWarehouse) -> None:
    ran = sample_warehouse.dbt_nodes
    # An exposure is a node of the build that runs nothing (its consumers read the marts).
    exposures = {name for name, status in ran.items() if status == "no-op"}
    assert exposures == {"nightly_html_report", "file_release", "superset_high_tech_dashboard"}
    assert {status for name, status in ran.items() if name not in exposures} == {"pass", "success"}, ran
    for key_test in (
        "identified_rows_stg_raw__documents",
        "identified_rows_stg_raw__budget_lines",
        "identified_rows_stg_raw__projects",
        "identified_rows_int_documents_with_department",
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


def test_key_test_fails_on_a_duplicated_line_and_a_missing_label(raw_build: Path, tmp_path: Path) -> None:
    """A staging view's key and required columns are one test (`identified_rows`): a line read twice
    and a line without its label are two failing rows of it."""
    with duckdb.connect(str(raw_build)) as connection:
        connection.execute(
            "create table raw.budget_lines_copy as select * from raw.budget_lines;"
            "insert into raw.budget_lines_copy select * from raw.budget_lines order by line_number limit 1;"
            "insert into raw.budget_lines_copy select * replace (-1 as line_number, null as label)"
            " from raw.budget_lines order by line_number limit 1;"
            "drop table raw.budget_lines;"
            "alter table raw.budget_lines_copy rename to budget_lines;"
        )
    result = dbt_build(tmp_path, "--select", "stg_raw__documents", "stg_raw__budget_lines")
    assert not result.success
    outcome = dbt_outcome(result, "identified_rows_stg_raw__budget_lines")
    assert (str(outcome.status), outcome.failures) == ("fail", 2)


def test_the_record_views_are_tested_on_the_versions_the_build_computes(
    raw_build: Path, tmp_path: Path
) -> None:
    """The tests of the views over a version's records read the versions in meta.build_changes
    (every one in a full build, a night's new ones in an incremental build); those of the documents'
    view read every version, whose statuses a night changes whatever versions it brings."""
    with duckdb.connect(str(raw_build)) as connection:
        first = connection.execute("select min(document_sha256) from raw.budget_lines").fetchone()
        untouched = first[0] if first else ""
        connection.execute(
            "create table raw.budget_lines_copy as select * from raw.budget_lines;"
            "insert into raw.budget_lines_copy select * from raw.budget_lines"
            f" where document_sha256 = '{untouched}' order by line_number limit 1;"
            "drop table raw.budget_lines;"
            "alter table raw.budget_lines_copy rename to budget_lines;"
            f"update raw.documents set status = 'archived' where document_sha256 = '{untouched}';"
            f"delete from meta.build_changes where document_sha256 = '{untouched}';"
        )
    result = dbt_build(tmp_path, "--select", "stg_raw__documents", "stg_raw__budget_lines")
    assert str(dbt_outcome(result, "identified_rows_stg_raw__budget_lines").status) == "pass"
    statuses = dbt_outcome(
        result, "accepted_values_stg_raw__documents_document_status__current__superseded__withdrawn"
    )
    assert (str(statuses.status), statuses.failures) == ("fail", 1)
    with duckdb.connect(str(raw_build)) as connection:
        connection.execute(f"insert into meta.build_changes values ('{untouched}')")
    result = dbt_build(tmp_path, "--select", "stg_raw__budget_lines")
    budget_lines = dbt_outcome(result, "identified_rows_stg_raw__budget_lines")
    assert (str(budget_lines.status), budget_lines.failures) == ("fail", 1)


def test_a_value_outside_its_list_stops_the_mart(raw_build: Path, tmp_path: Path) -> None:
    """A mart column's accepted values are a CHECK constraint of the table (enforced by DuckDB as the
    table is filled), not a test run afterwards."""
    with duckdb.connect(str(raw_build)) as connection:
        connection.execute(
            "create table raw.target_parts_copy as select * from raw.target_parts;"
            "update raw.target_parts_copy set kind = 'approximate'"
            " where line_number = (select min(line_number) from raw.target_parts);"
            "drop table raw.target_parts;"
            "alter table raw.target_parts_copy rename to target_parts;"
        )
    result = dbt_build(tmp_path, "--select", "+fct_indicator_target", "--exclude", "resource_type:test")
    assert not result.success
    outcome = dbt_outcome(result, "fct_indicator_target")
    assert str(outcome.status) == "error" and "CHECK constraint failed" in str(outcome.message)


def test_every_check_the_yaml_declares_is_a_check_of_the_table(sample_warehouse: SampleWarehouse) -> None:
    declared = {
        (model, constraint["expression"])
        for model, _, constraint in column_constraints()
        if constraint["type"] == "check"
    }
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        checks = connection.execute(
            "select table_name, constraint_text from duckdb_constraints()"
            " where schema_name = 'marts' and constraint_type = 'CHECK'"
        ).fetchall()
    assert len(declared) == len(checks) == 14
    assert {table for table, _ in declared} == {table for table, _ in checks}


def test_the_cross_document_view_is_tested_in_one_reading(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """audit_cross_document_checks, a view, is read once by one test that finds a shared row id and a
    row with a null where the tables' constraints would refuse one."""
    build = tmp_path / "warehouse.duckdb"
    shutil.copy2(sample_warehouse.path, build)
    monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(build))
    with duckdb.connect(str(build)) as connection:
        connection.execute("alter view audit.audit_cross_document_checks rename to checks_as_built")
        connection.execute(
            """
            create view audit.audit_cross_document_checks as
            select * from audit.checks_as_built
            union all (select * from audit.checks_as_built order by check_row_id limit 1)
            union all (
                select * replace ('a row id of its own' as check_row_id, null::boolean as applicable)
                from audit.checks_as_built order by check_row_id limit 1
            )
            """
        )
    result = dbt_test(tmp_path, "--select", "audit_cross_document_checks")
    [outcome] = [node for node in result.result if node.node.resource_type == "test"]  # type: ignore[union-attr]
    assert (str(outcome.status), outcome.failures) == ("fail", 2)


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


def test_every_mart_and_column_carries_its_description(sample_warehouse: SampleWarehouse) -> None:
    """persist_docs: a BI tool browsing the file sees each mart's and column's label and description."""
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
        columns = connection.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
    assert len(tables) >= 16 and len(columns) >= 260
    assert [table for table, comment in tables if not (comment or "").strip()] == []
    assert [(table, column) for table, column, comment in columns if not (comment or "").strip()] == []
    comments = {(table, column): comment for table, column, comment in columns}
    assert comments[("mart_indicator_trend", "fiscal_year")] == "Year (年度)."


def column_constraints() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(model, column, constraint) for every column constraint the project's YAML declares."""
    import yaml

    for path in (PROJECT_ROOT / "dbt_project" / "models").glob("**/*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            for column in model.get("columns", []):
                for constraint in column.get("constraints", []):
                    yield model["name"], column["name"], constraint


def declared_never_null() -> set[tuple[str, str]]:
    """(model, column) of every column the project's YAML gives a not_null constraint."""
    return {
        (model, column)
        for model, column, constraint in column_constraints()
        if constraint == {"type": "not_null"}
    }


def test_the_columns_declared_never_null_are_not_null_in_the_warehouse(
    sample_warehouse: SampleWarehouse,
) -> None:
    """A mart's keys and required columns, and those of the checks within documents, are NOT NULL
    in the table itself (the contract's constraint, enforced by DuckDB as dbt fills the table), not
    a test run afterwards."""
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        not_null = set(
            connection.execute(
                "select table_name, column_name from duckdb_columns()"
                " where schema_name in ('marts', 'audit') and not is_nullable"
            ).fetchall()
        )
    declared = declared_never_null()
    assert len(declared) >= 64 and ("dim_department", "department_code") in declared
    assert ("audit_document_checks", "check_row_id") in declared
    assert ("audit_cross_document_checks", "check_row_id") not in declared  # a view: tested instead
    assert not_null == declared


def test_a_mart_whose_columns_leave_its_contract_fails_to_build(raw_build: Path, tmp_path: Path) -> None:
    """Every mart's contract is enforced: a column whose type leaves the declared one stops that mart."""
    from dbt.cli.main import dbtRunner

    project = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    yaml_path = project / "models" / "marts" / "trends" / "_trends__models.yml"
    text = yaml_path.read_text(encoding="utf-8")
    declared = "      - name: amount_wan_yuan\n        data_type: decimal(20,4)\n"
    assert declared in text
    yaml_path.write_text(
        text.replace(declared, declared.replace("decimal(20,4)", "double")), encoding="utf-8"
    )
    result = dbtRunner().invoke(
        ["build", "--select", "+mart_budget_overview", "--exclude", "resource_type:test",
         "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
    )  # fmt: skip
    statuses = dbt_statuses(result)
    assert statuses["mart_budget_overview"] == "error"
    assert {status for name, status in statuses.items() if name != "mart_budget_overview"} == {"success"}


def test_each_consumer_is_an_exposure_with_the_marts_it_reads(tmp_path: Path) -> None:
    result = run_dbt(
        tmp_path, "ls", "--resource-type", "model", "--select", "+exposure:file_release", "--output", "name"
    )
    assert result.success
    listed = set(result.result or [])
    marts = {path.stem for path in (PROJECT_ROOT / "dbt_project" / "models" / "marts").rglob("*.sql")}
    assert marts | {"mart_reconciliation_findings"} <= listed
    report = run_dbt(
        tmp_path,
        "ls",
        "--resource-type",
        "model",
        "--select",
        "+exposure:nightly_html_report",
        "--output",
        "name",
    )
    assert {"mart_high_tech_enterprise_trend", "mart_indicator_trend", "mart_budget_overview"} <= set(
        report.result or []
    )

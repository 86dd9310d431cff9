"""What reconciliation does with a failure: a document's own error keeps it out of the marts (its earlier
accepted version serves), a cross-document error blocks publication. Amounts are edited in the
raw records of a real landed build; dbt, GE and the marts are the real ones."""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations.checks import Check
from ingest.zone import RAW_TABLES
from jixiao.airflow.tasks import reconcile
from jixiao.runtime.settings import Settings
from jixiao.stages.check import verdict
from tests.conftest import SampleWarehouse, build_selected, transform
from tests.jixiao.stages.check.conftest import Builder

HUANGPU_FORM = "2023/huangpu_2023_dept_target_form.pdf"
GUANGZHOU_FORM = "2023/guangzhou_2023_dept_target_form.pdf"
GUANGZHOU_PROJECTS = "2023/guangzhou_2023_project_target_table.pdf"


def sha_of(connection: duckdb.DuckDBPyConnection, source_path: str) -> str:
    return connection.execute(
        "select document_sha256 from raw.documents where source_path = ?", [source_path]
    ).fetchone()[0]


def raise_basic_expenditure(connection: duckdb.DuckDBPyConnection, sha: str) -> None:
    connection.execute(
        "update raw.budget_lines set amount_wan_yuan = amount_wan_yuan + 100"
        " where document_sha256 = ? and label = '基本支出'",
        [sha],
    )


def all_marts(build: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the marts schema, row by row, but the findings (which name the rejection)."""
    with duckdb.connect(str(build), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
                " and table_name <> 'mart_reconciliation_findings' order by 1"
            ).fetchall()
        ]
        return {
            name: connection.execute(f"select * from marts.{name} order by all").fetchall() for name in tables
        }


def land_new_version(connection: duckdb.DuckDBPyConnection, old: str, new: str, *, later: bool) -> None:
    """A re-publication of the document `old` with the same records, landed as `new` (sha256) and
    superseding it, as the ledger records one: `later` than it, or in the same second."""
    for table in ("budget_lines", "key_tasks", "indicators", "target_parts", "facts"):
        connection.execute(
            f"insert into raw.{table} select * replace (? as document_sha256)"
            f" from raw.{table} where document_sha256 = ?",
            [new, old],
        )
    first_seen = "now()" if later else "first_seen_at"
    connection.execute(
        f"insert into raw.documents select * replace (? as document_sha256, {first_seen} as first_seen_at)"
        " from raw.documents where document_sha256 = ?",
        [new, old],
    )
    connection.execute(
        "update raw.documents set status = 'superseded', superseded_by = ? where document_sha256 = ?",
        [new, old],
    )


def mart_rows(build: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(build), read_only=True) as connection:
        return connection.execute("select * from marts.mart_budget_overview order by all").fetchall()


def test_a_document_failing_its_own_check_is_kept_out_and_named(build_with: Builder, tmp_path: Path) -> None:
    def edit(connection: duckdb.DuckDBPyConnection) -> None:
        raise_basic_expenditure(connection, sha_of(connection, HUANGPU_FORM))

    settings, build = build_with(edit)
    documents, warehouse = transform(settings, build, tmp_path)

    assert [item["source_path"] for item in documents.rejected] == [HUANGPU_FORM]
    message = documents.rejected[0]["message"]
    assert HUANGPU_FORM in message and "budget_identity" in message
    assert "= 364,707.2 " in message and "= 364,607.2 " in message  # both sides, as printed
    assert verdict(dataclasses.asdict(documents)) == [message]
    assert warehouse.failures == []
    with duckdb.connect(str(build), read_only=True) as connection:
        served = connection.execute("select distinct source_path from marts.fct_budget_line").fetchall()
        recorded = connection.execute(
            "select outcome, severity from reconciliation.results"
            " where check_id = 'budget_identity' and documents = ?",
            [HUANGPU_FORM],
        ).fetchall()
    assert {row[0] for row in served} == {GUANGZHOU_FORM, "2023/guangzhou_2023_project_target_table.pdf"}
    assert recorded == [("failed", "error")]

    # Nothing of it reaches any mart or dimension: the marts equal those of a build without it.
    def remove(connection: duckdb.DuckDBPyConnection) -> None:
        sha = sha_of(connection, HUANGPU_FORM)
        for table in (*(table.name for table in RAW_TABLES), "documents"):
            connection.execute(f"delete from raw.{table} where document_sha256 = ?", [sha])

    without_settings, without = build_with(remove)
    transform(without_settings, without, tmp_path / "without")
    assert all_marts(build) == all_marts(without)


def test_the_earlier_accepted_version_keeps_serving(
    build_with: Builder, sample_warehouse: SampleWarehouse, tmp_path: Path
) -> None:
    before = mart_rows(sample_warehouse.path)  # the samples, every version accepted

    def republish_with_an_error(connection: duckdb.DuckDBPyConnection) -> None:
        """A corrected re-publication whose 基本支出 no longer adds up: a new current version."""
        new = uuid.uuid4().hex * 2
        land_new_version(connection, sha_of(connection, HUANGPU_FORM), new, later=True)
        raise_basic_expenditure(connection, new)

    settings, build = build_with(republish_with_an_error)
    documents, _ = transform(settings, build, tmp_path / "after")

    assert [(item["source_path"], item["current"]) for item in documents.rejected] == [(HUANGPU_FORM, True)]
    assert mart_rows(build) == before


def test_of_versions_landed_the_same_night_the_newest_accepted_one_serves(
    build_with: Builder, tmp_path: Path
) -> None:
    versions: list[str] = []

    def land_two_more_versions(connection: duckdb.DuckDBPyConnection) -> None:
        """Two re-publications of 黄埔's form landed in the same second as the sample's: the second
        accepted, the third (the current one) rejected. Which landed when is only in the ledger's
        superseded_by links."""
        versions.append(sha_of(connection, HUANGPU_FORM))
        for _ in range(2):
            # Shas that sort after the sample's: an order by sha would pick the sample's version.
            new = "ffffffff" + (uuid.uuid4().hex * 2)[8:]
            land_new_version(connection, versions[-1], new, later=False)
            versions.append(new)
        raise_basic_expenditure(connection, versions[-1])

    settings, build = build_with(land_two_more_versions)
    transform(settings, build, tmp_path / "after")

    with duckdb.connect(str(build), read_only=True) as connection:
        serving = connection.execute(
            "select document_sha256 from intermediate.int_documents_with_department where source_path = ?",
            [HUANGPU_FORM],
        ).fetchall()
    assert serving == [(versions[1],)]  # not the sample's, landed first in the same second


def test_a_cross_document_error_holds_back_that_bureau_year_and_publishes_the_rest(
    build_with: Builder, sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """广州 2023's form and project table disagree on one task (check 7): both are held back (nothing
    served them before), 黄埔's documents still serve, the verdict names both files and both sides,
    and the findings mart shows it."""

    def edit(connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute(
            "update raw.key_tasks set funds_wan_yuan = funds_wan_yuan + 1"
            " where document_sha256 = ? and name = '基础研究计划'",
            [sha_of(connection, GUANGZHOU_FORM)],
        )

    settings, build = build_with(edit)
    documents, warehouse = transform(settings, build, tmp_path)

    assert documents.rejected == []  # within the form, only the task-fund warning changes
    assert documents.checks["key_task_funds"] == "warned"
    assert warehouse.failures == []  # resolved by holding back: nothing blocks publication
    assert warehouse.checks["key_task_matches_project"] == "failed"
    held = sorted(item["source_path"] for item in warehouse.rejected)
    assert held == sorted([GUANGZHOU_FORM, GUANGZHOU_PROJECTS])
    messages = verdict(dataclasses.asdict(documents), dataclasses.asdict(warehouse))
    assert len(messages) == 1  # one disagreement, naming both documents and both sides
    assert GUANGZHOU_FORM in messages[0] and GUANGZHOU_PROJECTS in messages[0]
    assert "115,234.66" in messages[0] and "115,233.66" in messages[0]

    with duckdb.connect(str(build), read_only=True) as connection:
        served = connection.execute("select distinct source_path from marts.fct_budget_line").fetchall()
        findings = connection.execute(
            "select check_id, severity, source_paths, subject, difference, is_held_back, held_back_documents"
            " from marts.mart_reconciliation_findings where outcome = 'failed'"
        ).fetchall()
    assert served == [(HUANGPU_FORM,)]  # 广州's earlier versions: none, so nothing of 广州 2023 serves
    assert findings == [
        (
            "key_task_matches_project",
            "error",
            f"{GUANGZHOU_FORM}; {GUANGZHOU_PROJECTS}",
            "001 基础研究计划",
            Decimal("1.0000"),
            True,
            f"{GUANGZHOU_FORM}; {GUANGZHOU_PROJECTS}",
        )
    ]
    # The marts are those of the samples without 广州 2023's two documents.
    with duckdb.connect(str(sample_warehouse.path), read_only=True) as connection:
        huangpu_only = connection.execute(
            "select * from marts.fct_budget_line where source_path not in (?, ?) order by all",
            [GUANGZHOU_FORM, GUANGZHOU_PROJECTS],
        ).fetchall()
    with duckdb.connect(str(build), read_only=True) as connection:
        assert (
            connection.execute("select * from marts.fct_budget_line order by all").fetchall() == huangpu_only
        )

    # The DAG task around the same checkpoint succeeds (publication goes on) and reports them.
    monkeypatch.setenv("JIXIAO_STATE_DIR", str(settings.state_dir))
    monkeypatch.setenv("JIXIAO_WAREHOUSE", str(settings.warehouse))
    assert len(reconcile("warehouse", "test_run")["rejected"]) == 2


def with_a_broken_expectation(
    check_id: str, sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, Path]:
    """A fault injected into the real suite: `check_id`'s expectation compares a column the rows
    lack, so GE raises inside it and names no failing row. Settings and a copy of the sample build
    to run a stage on."""
    import great_expectations.expectations as gxe

    import expectations.suites as suites

    original = suites.check_expectation

    def broken(check: Check) -> gxe.Expectation:
        expectation = original(check)
        if check.check_id == check_id:
            expectation = gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="no_such_column",
                column_B="abs_difference_units",
                row_condition=expectation.row_condition,
                meta=expectation.meta,
            )
        return expectation

    monkeypatch.setattr(suites, "check_expectation", broken)
    build = tmp_path / sample_warehouse.path.name
    shutil.copy2(sample_warehouse.path, build)
    return dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "state"), build


def test_a_check_whose_expectation_raises_fails_closed(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Check 1's expectation raises inside GE and names no failing row. The gate must not read that
    as a pass."""
    from jixiao.stages.check.run import run_stage

    settings, build = with_a_broken_expectation("budget_identity", sample_warehouse, tmp_path, monkeypatch)

    documents = run_stage(settings, "documents", "injected_fault", warehouse=build)

    assert documents.checks["budget_identity"] == "failed"
    assert sorted(item["source_path"] for item in documents.rejected) == [GUANGZHOU_FORM, HUANGPU_FORM]
    assert all("no verdict, failed closed" in item["message"] for item in documents.rejected)
    assert len(verdict(dataclasses.asdict(documents))) == 2
    with duckdb.connect(str(build), read_only=True) as connection:
        recorded = connection.execute(
            "select distinct outcome, severity, detail from reconciliation.results"
            " where run_id = 'injected_fault' and check_id = 'budget_identity'"
        ).fetchall()
    assert len(recorded) == 1
    outcome, severity, detail = recorded[0]
    assert (outcome, severity) == ("failed", "error") and "no_such_column" in detail


def test_transfer_payments_that_disagree_hold_back_that_bureau_year(
    build_with: Builder, tmp_path: Path
) -> None:
    """Check 8's failing case: 广州's form moves 1.00 from 市本级使用资金 to 拟用于对下转移支付资金 (its
    own split still adds up, check 2 passes), so its transfers no longer equal the project rows
    designated to a district (57,622.00): both documents are held back, the verdict names both
    sides."""

    def edit(connection: duckdb.DuckDBPyConnection) -> None:
        sha = sha_of(connection, GUANGZHOU_FORM)
        for label, change in (("市本级使用资金", "- 1"), ("拟用于对下转移支付资金", "+ 1")):
            connection.execute(
                f"update raw.budget_lines set amount_wan_yuan = amount_wan_yuan {change}"
                " where document_sha256 = ? and label = ?",
                [sha, label],
            )

    settings, build = build_with(edit)
    documents, warehouse = transform(settings, build, tmp_path)

    assert documents.rejected == [] and documents.checks["level_split"] == "passed"
    assert warehouse.checks["transfer_payments"] == "failed" and warehouse.failures == []
    assert sorted(item["source_path"] for item in warehouse.rejected) == [GUANGZHOU_FORM, GUANGZHOU_PROJECTS]
    (message,) = verdict(dataclasses.asdict(documents), dataclasses.asdict(warehouse))
    assert "check 8 transfer_payments (error)" in message
    assert "57,623" in message and "57,622" in message


def test_a_suite_that_gives_no_verdict_on_a_check_without_rows_blocks_publication(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error about the reconciliation itself, not about a bureau-year: check 9's expectation
    raises, and on the samples check 9 has no applicable row to fail in its place. Nothing can be
    held back for it, so the stage stops with ReconciliationError (the DAG's task fails before
    `publish`) and records no verdict."""
    from jixiao.stages.check import ReconciliationError
    from jixiao.stages.check.run import run_stage

    settings, build = with_a_broken_expectation(
        "self_evaluation_budget", sample_warehouse, tmp_path, monkeypatch
    )

    with pytest.raises(ReconciliationError, match="self_evaluation_budget") as raised:
        run_stage(settings, "warehouse", "injected_fault", warehouse=build)
    assert "no_such_column" in str(raised.value)
    with duckdb.connect(str(build), read_only=True) as connection:
        recorded = connection.execute(
            "select count(*) from reconciliation.results where run_id = 'injected_fault'"
        ).fetchone()
    assert recorded == (0,)  # nothing of the failed stage is recorded as a verdict


def test_a_stage_run_again_replaces_its_results_and_keeps_earlier_runs(
    build_with: Builder, tmp_path: Path
) -> None:
    """A retried checkpoint task writes its results again: the build holds them once, beside the
    results of the runs before it."""
    from jixiao.stages.check.run import run_stage

    settings, build = build_with(None)
    transform(settings, build, tmp_path, run_id="earlier_run")
    for _ in range(2):  # the later run's checkpoint, then its retry
        run_stage(settings, "documents", "later_run", warehouse=build)

    with duckdb.connect(str(build), read_only=True) as connection:
        counts = dict(
            connection.execute(
                "select run_id || '/' || stage, count(*) from reconciliation.results group by 1"
            ).fetchall()
        )
        doubled = connection.execute(
            "select count(*) from (select run_id, check_row_id from reconciliation.results"
            " group by all having count(*) > 1)"
        ).fetchone()[0]
    assert set(counts) == {"earlier_run/documents", "earlier_run/warehouse", "later_run/documents"}
    assert counts["later_run/documents"] == counts["earlier_run/documents"] > 0
    assert doubled == 0


def test_a_build_holds_earlier_runs_apart_and_a_retry_after_a_rebuild_moves_its_rows(
    build_with: Builder, tmp_path: Path
) -> None:
    """A build loads the earlier runs' results once and its checkpoints never write them (a
    checkpoint's rows appended to them made DuckDB rewrite their row groups at close). A stage run
    again after its build was made anew finds its first try among the earlier runs: its rows move
    to this run's table, once."""
    from jixiao.stages.build import create_reconciliation_tables
    from jixiao.stages.check.run import run_stage
    from tests.conftest import BEFORE_DOCUMENT_CHECKS

    def rows_by_table(build: Path) -> dict[str, dict[str, int]]:
        with duckdb.connect(str(build), read_only=True) as connection:
            return {
                table: dict(
                    connection.execute(
                        f"select run_id || '/' || stage, count(*) from reconciliation.{table} group by 1"
                    ).fetchall()
                )
                for table in ("earlier_results", "run_results", "results")
            }

    settings, build = build_with(None)
    build_selected(build, tmp_path, "--select", BEFORE_DOCUMENT_CHECKS)
    first = run_stage(settings, "documents", "earlier_run", warehouse=build)
    run_stage(settings, "documents", "this_run", warehouse=build)
    with duckdb.connect(str(build)) as connection:  # `load` cleared and run again: the build anew
        create_reconciliation_tables(connection, settings.state.reconciliation_dir)
    rebuilt = rows_by_table(build)
    run_stage(settings, "documents", "this_run", warehouse=build)
    retried = rows_by_table(build)

    both = {"earlier_run/documents": first.rows, "this_run/documents": first.rows}
    assert first.rows > 0
    assert rebuilt == {"earlier_results": both, "run_results": {}, "results": both}
    assert retried == {
        "earlier_results": {"earlier_run/documents": first.rows},
        "run_results": {"this_run/documents": first.rows},
        "results": both,
    }

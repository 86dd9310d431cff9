"""What reconciliation does with a failure across documents: the bureau-year is held back, or, when
holding back cannot resolve it, publication is blocked; a stage run again (a document's own errors:
test_document_decisions.py). Amounts are edited in the raw records of a real landed build; dbt, GE
and the marts are the real ones."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from expectations.checks import Check
from jixiao.airflow.tasks import reconcile
from jixiao.runtime.settings import Settings
from jixiao.stages.check import verdict
from tests.conftest import SampleWarehouse, build_selected, transform
from tests.jixiao.stages.check.conftest import Builder
from tests.jixiao.stages.check.edits import (
    GUANGZHOU_FORM,
    GUANGZHOU_PROJECTS,
    HUANGPU_FORM,
    sha_of,
)

pytestmark = pytest.mark.rebuilds


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


def test_a_stage_out_of_memory_under_its_bound_runs_again_under_the_gates_larger_one(
    build_with: Builder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The documents stage runs under a smaller DuckDB bound than the checks across documents; a
    night whose rows outgrow it is not failed for it: the stage runs again under the larger bound,
    and its verdict and recorded results are those of a stage that had room."""
    from jixiao.stages.check import run

    settings, build = build_with(None)  # every model made: the stage's rows are there to judge
    roomy = run.run_stage(settings, "documents", "this_run", warehouse=build)
    recorded = _results_of(build, "this_run")

    cramped = {**run.STAGE_DUCKDB_CONFIGS["documents"], "memory_limit": "1MB"}
    monkeypatch.setitem(run.STAGE_DUCKDB_CONFIGS, "documents", cramped)
    with caplog.at_level("WARNING", logger=run.__name__):
        again = run.run_stage(settings, "documents", "this_run", warehouse=build)

    assert "the documents checkpoint ran out of memory under 1MB" in caplog.text
    assert again == roomy
    assert _results_of(build, "this_run") == recorded


def _results_of(build: Path, run_id: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(build), read_only=True) as connection:
        query = "select * exclude (checked_at) from reconciliation.results where run_id = ? order by all"
        return connection.execute(query, [run_id]).fetchall()


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
    build_selected(build, tmp_path, "--select", BEFORE_DOCUMENT_CHECKS, "--exclude", "resource_type:test")
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

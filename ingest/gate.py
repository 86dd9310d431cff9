"""The reconciliation gate: Great Expectations judges the rows dbt's reconciliation models compute.

Two checkpoints per transform run, both on the build being made (never the served warehouse):

- `documents`, after the staging models: checks within one document. A document failing an
  error-level check is rejected: written to `audit.document_rejections`, so the marts fall back on
  its earlier accepted version (if any) while everything else is published.
- `warehouse`, after the marts: checks across the serving documents of a bureau and year. An error
  here blocks publication altogether.

Each checkpoint's results are kept as Parquet per run and stage under the state directory and
loaded, all runs together, into `audit.reconciliation_results` of the build, so the published
warehouse also carries the results of runs that were blocked. GE reads DataFrames (its SQL path
to DuckDB is broken upstream); amounts cross as `Decimal`, so its comparisons are exact.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.checks import BY_ID, ROW_ID, SUITE_NAMES, Stage, checks_of
from ingest.publish import read_state, write_state
from ingest.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

CHECK_MODELS: dict[Stage, str] = {
    "documents": "audit.audit_document_checks",
    "warehouse": "audit.audit_cross_document_checks",
}
STATE_FILE = "last_checks.json"
DECIMAL_COLUMNS = ("observed", "expected", "difference", "tolerance", "abs_difference")

GATE_DDL = """
create schema if not exists audit;
create or replace table audit.document_rejections (
    document_sha256 varchar not null,
    source_path varchar not null,
    check_id varchar not null,
    message varchar not null
);
create or replace table audit.reconciliation_results (
    run_id varchar not null,
    checked_at timestamp not null,
    stage varchar not null,
    check_id varchar not null,
    check_number varchar not null,
    check_label varchar not null,
    severity varchar not null,
    department_code varchar,
    fiscal_year integer,
    documents varchar,
    document_sha256s varchar,
    subject varchar,
    observed_label varchar,
    observed decimal(38, 4),
    expected_label varchar,
    expected decimal(38, 4),
    difference decimal(38, 4),
    tolerance decimal(38, 4),
    outcome varchar not null,
    passed boolean,
    detail varchar,
    check_row_id varchar not null
);
"""


class GateError(RuntimeError):
    """The suite itself failed (rows of an unknown check, duplicate ids): nothing can be trusted."""


@dataclass
class StageResult:
    stage: Stage
    run_id: str
    rows: int
    outcomes: dict[str, int]  # passed / failed / warned / not_applicable, counted per row
    checks: dict[str, str]  # check_id -> passed / failed / warned / not_applicable
    failures: list[str] = field(default_factory=list)  # error-level failures, one message each
    rejected: list[dict[str, Any]] = field(default_factory=list)  # documents stage only


def create_gate_tables(connection: duckdb.DuckDBPyConnection, results_dir: Path) -> None:
    """Empty rejections, and every earlier run's results (kept under the state directory)."""
    connection.execute(GATE_DDL)
    _load_history(connection, results_dir)


def _load_history(connection: duckdb.DuckDBPyConnection, results_dir: Path) -> None:
    connection.execute("delete from audit.reconciliation_results")
    files = sorted(str(path) for path in results_dir.glob("*.parquet"))
    if files:
        connection.execute(
            "insert into audit.reconciliation_results by name"
            " select * from read_parquet(?, union_by_name = true)",
            [files],
        )


def _results_file(settings: Settings, run_id: str, stage: Stage) -> Path:
    # One file per run and stage: a retried task overwrites its own results, never duplicates them.
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", run_id)
    return settings.reconciliation_dir / f"{safe}__{stage}.parquet"


def read_check_rows(connection: duckdb.DuckDBPyConnection, stage: Stage) -> pd.DataFrame:
    """The reconciliation rows of a stage, amounts as exact `Decimal` (DuckDB would give floats)."""
    frame = connection.execute(
        f"""
        select
            * exclude (observed, expected, difference, tolerance),
            cast(observed as varchar) as observed,
            cast(expected as varchar) as expected,
            cast(difference as varchar) as difference,
            cast(tolerance as varchar) as tolerance,
            cast(abs(difference) as varchar) as abs_difference,
        from {CHECK_MODELS[stage]}
        order by check_id, check_row_id
        """
    ).df()
    for column in DECIMAL_COLUMNS:
        frame[column] = frame[column].map(lambda text: None if text is None else Decimal(text))
    return frame


def _context(settings: Settings) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(settings.great_expectations_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(settings: Settings, stage: Stage, frame: pd.DataFrame) -> Any:
    """Run the stage's checkpoint over `frame`; Data Docs are rebuilt as part of it."""
    import great_expectations as gx

    from expectations.suites import build_suite

    context = _context(settings)
    source = context.data_sources.add_or_update_pandas("jixiao_reconciliation")
    asset_name = SUITE_NAMES[stage]
    asset = next((a for a in source.assets if a.name == asset_name), None) or source.add_dataframe_asset(
        asset_name
    )
    batch = next(iter(asset.batch_definitions), None) or asset.add_batch_definition_whole_dataframe("rows")
    suite = context.suites.add_or_update(build_suite(stage))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=SUITE_NAMES[stage], data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=SUITE_NAMES[stage],
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
        )
    )
    return checkpoint.run(batch_parameters={"dataframe": frame})


def failing_rows(checkpoint_result: Any) -> tuple[dict[str, set[str]], list[str]]:
    """Row ids each check's expectation found unexpected, and the suite-level failures."""
    per_check: dict[str, set[str]] = {}
    broken: list[str] = []
    for validation in checkpoint_result.run_results.values():
        for result in validation.results:
            config = result.expectation_config
            check_id = (config.meta or {}).get("check_id")
            unexpected = result.result.get("unexpected_index_list") or []
            if check_id:
                per_check[check_id] = {row[ROW_ID] for row in unexpected}
            elif not result.success:
                sample = result.result.get("partial_unexpected_list") or unexpected[:5]
                broken.append(f"{config.type} {config.kwargs.get('column', '')}: {sample}")
    return per_check, broken


def _decimal_text(value: object) -> str | None:
    # pandas turns a missing value into NaN on the way through GE; only a Decimal is a value here.
    return str(value) if isinstance(value, Decimal) and value.is_finite() else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _amount(value: object) -> str:
    text = _decimal_text(value)
    return "-" if text is None else f"{Decimal(text).normalize():,f}"


def describe_failure(row: dict[str, Any]) -> str:
    check = BY_ID[row["check_id"]]
    subject = f" [{row['subject']}]" if row.get("subject") else ""
    return (
        f"{row['source_paths']}: check {check.number} {check.check_id} ({check.severity}){subject}: "
        f"{row['observed_label']} = {_amount(row['observed'])} but "
        f"{row['expected_label']} = {_amount(row['expected'])} "
        f"(difference {_amount(row['difference'])}, tolerance {_amount(row['tolerance'])})"
    )


def judge(frame: pd.DataFrame, failed_ids: dict[str, set[str]]) -> list[dict[str, Any]]:
    """One result per row: passed, failed (error) or warned (warning), or not_applicable."""
    results = []
    for row in frame.to_dict("records"):
        check = BY_ID[row["check_id"]]
        if not row["applicable"]:
            outcome, passed = "not_applicable", None
        elif row[ROW_ID] in failed_ids.get(check.check_id, set()):
            outcome, passed = ("failed" if check.severity == "error" else "warned"), False
        else:
            outcome, passed = "passed", True
        results.append({**row, "outcome": outcome, "passed": passed, "severity": check.severity})
    return results


def _summarise(stage: Stage, run_id: str, results: list[dict[str, Any]]) -> StageResult:
    outcomes = {name: 0 for name in ("passed", "failed", "warned", "not_applicable")}
    per_check: dict[str, set[str]] = {check.check_id: set() for check in checks_of(stage)}
    for row in results:
        outcomes[row["outcome"]] += 1
        per_check[row["check_id"]].add(row["outcome"])
    rank = ("failed", "warned", "passed", "not_applicable")
    checks = {
        check_id: next((name for name in rank if name in seen), "not_applicable")
        for check_id, seen in per_check.items()
    }
    failures = [describe_failure(row) for row in results if row["outcome"] == "failed"]
    return StageResult(stage, run_id, len(results), outcomes, checks, failures)


def _write_results(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    stage: Stage,
    run_id: str,
    results: list[dict[str, Any]],
) -> None:
    import pandas as pd

    checked_at = datetime.now(UTC).replace(tzinfo=None)
    records = [
        {
            "run_id": run_id,
            "checked_at": checked_at,
            "stage": stage,
            "check_id": row["check_id"],
            "check_number": BY_ID[row["check_id"]].number,
            "check_label": BY_ID[row["check_id"]].label,
            "severity": row["severity"],
            "department_code": _text(row["department_code"]),
            "fiscal_year": None if pd.isna(row["fiscal_year"]) else int(row["fiscal_year"]),
            "documents": row["source_paths"],
            "document_sha256s": row["document_sha256s"],
            "subject": _text(row["subject"]),
            "observed_label": _text(row["observed_label"]),
            # Text until DuckDB casts it back: exact, whatever pandas would infer.
            **{name: _decimal_text(row[name]) for name in DECIMAL_COLUMNS[:4]},
            "expected_label": _text(row["expected_label"]),
            "outcome": row["outcome"],
            "passed": row["passed"],
            "detail": _text(row["detail"]),
            "check_row_id": row[ROW_ID],
        }
        for row in results
    ]
    frame = pd.DataFrame.from_records(records, columns=list(records[0]) if records else None)
    target = _results_file(settings, run_id, stage)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    connection.register("stage_results", frame)
    try:
        connection.execute(
            f"""
            copy (
                select * replace (
                    cast(observed as decimal(38, 4)) as observed,
                    cast(expected as decimal(38, 4)) as expected,
                    cast(difference as decimal(38, 4)) as difference,
                    cast(tolerance as decimal(38, 4)) as tolerance,
                    cast(fiscal_year as integer) as fiscal_year,
                    cast(passed as boolean) as passed
                )
                from stage_results
            ) to '{temporary}' (format parquet)
            """
        )
    finally:
        connection.unregister("stage_results")
    os.replace(temporary, target)
    _load_history(connection, settings.reconciliation_dir)


def run_stage(settings: Settings, stage: Stage, run_id: str, warehouse: Path | None = None) -> StageResult:
    """Validate one stage on the build, record the results in it, and return the verdict."""
    warehouse = warehouse or settings.transform_warehouse
    with duckdb.connect(str(warehouse)) as connection:
        frame = read_check_rows(connection, stage)
        if frame.empty:
            results: list[dict[str, Any]] = []
        else:
            failed_ids, broken = failing_rows(validate(settings, stage, frame))
            if broken:
                raise GateError(f"suite {SUITE_NAMES[stage]} does not match its rows: " + "; ".join(broken))
            results = judge(frame, failed_ids)
        if results:
            _write_results(connection, settings, stage, run_id, results)
        summary = _summarise(stage, run_id, results)
        if stage == "documents":
            summary.rejected = _reject(connection, results)
    _record(settings, summary)
    return summary


def _reject(connection: duckdb.DuckDBPyConnection, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Write this run's rejected documents; say which of them are current (not superseded)."""
    rows = [
        (row["document_sha256s"], row["source_paths"], row["check_id"], describe_failure(row))
        for row in results
        if row["outcome"] == "failed"
    ]
    connection.execute("delete from audit.document_rejections")
    if rows:
        connection.executemany("insert into audit.document_rejections values (?, ?, ?, ?)", rows)
    statuses = dict(connection.execute("select document_sha256, status from raw.documents").fetchall())
    return [
        {
            "document_sha256": sha,
            "source_path": path,
            "check_id": check_id,
            "message": message,
            "current": statuses.get(sha) == "current",
        }
        for sha, path, check_id, message in rows
    ]


def _record(settings: Settings, summary: StageResult) -> None:
    state = read_state(settings, STATE_FILE) or {}
    if state.get("run_id") != summary.run_id:
        state = {"run_id": summary.run_id, "stages": {}}
    state["stages"][summary.stage] = asdict(summary)
    state["data_docs"] = str(settings.data_docs_index)
    write_state(settings, STATE_FILE, state)


def verdict(settings: Settings, run_id: str) -> list[str]:
    """After publishing: the error-level failures of current documents in this run (empty: fine)."""
    state = read_state(settings, STATE_FILE) or {}
    if state.get("run_id") != run_id:
        raise GateError(f"no reconciliation results recorded for run {run_id}")
    rejected = state["stages"].get("documents", {}).get("rejected", [])
    return [item["message"] for item in rejected if item["current"]]

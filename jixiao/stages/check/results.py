"""The reconciliation tables of a build, each checkpoint's results row by row, and their messages.

`reconciliation.results` holds every run's results: each checkpoint writes its own Parquet file
under the state folder (one per run and stage, so a retried task replaces its own) and each build
loads all of them, so a published warehouse also carries the results of blocked runs.
`reconciliation.document_rejections` lists the documents this run keeps out of the marts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.checks import BY_ID, ROW_ID, Stage, checks_of
from jixiao.runtime.settings import Settings
from jixiao.runtime.sql_text import string_literal
from jixiao.runtime.warehouse import EARLIER_RESULTS, RUN_RESULTS

if TYPE_CHECKING:
    import pandas as pd

CHECK_MODELS: dict[Stage, str] = {
    "documents": "audit.audit_document_checks",
    "warehouse": "audit.audit_cross_document_checks",
}
DECIMAL_COLUMNS = ("observed", "expected", "difference", "tolerance", "abs_difference")
# What Great Expectations compares: the tolerance and the absolute difference in ten-thousandths
# (every amount is DECIMAL(38, 4)), as exact integers. GE stores each failing value it reports in
# its results and, for a Decimal, walks the call stack to warn about floats: ~20 ms a value.
SCALE = 10_000
UNIT_COLUMNS = {"tolerance_units": "tolerance", "abs_difference_units": "abs_difference"}


@dataclass
class StageResult:
    stage: Stage
    run_id: str
    rows: int
    outcomes: dict[str, int]  # passed / failed / warned / not_applicable, counted per row
    checks: dict[str, str]  # check_id -> passed / failed / warned / not_applicable
    failures: list[str] = field(default_factory=list)  # error-level failures, one message each
    rejected: list[dict[str, Any]] = field(default_factory=list)  # documents stage only


def read_check_rows(
    connection: duckdb.DuckDBPyConnection, stage: Stage, *, besides: str | None = None
) -> pd.DataFrame:
    """The reconciliation rows of a stage, amounts as exact `Decimal` (DuckDB would give floats), and
    the two that GE compares also as exact integers (`UNIT_COLUMNS`); without the rows whose
    check_row_id is in the relation `besides`, when given."""
    import pandas as pd

    where = f"where check_row_id not in (select check_row_id from {besides})" if besides else ""
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
        {where}
        order by check_id, check_row_id
        """
    ).df()
    for column in DECIMAL_COLUMNS:
        frame[column] = frame[column].map(lambda text: None if text is None else Decimal(text))
    for units, column in UNIT_COLUMNS.items():
        # A missing value reaches here as None or NaN: only a finite Decimal is a value.
        values = [_units(v) if isinstance(v, Decimal) and v.is_finite() else None for v in frame[column]]
        frame[units] = pd.array(values, dtype="Int64")
    return frame


def _units(value: Decimal) -> int:
    scaled = value * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than 4 decimals: not an amount of the reconciliation rows")
    return int(scaled)


# The documents checkpoint's results that an incremental build keeps (`carry_forward`).
CARRIED = "carried_results"


@dataclass
class Carried:
    """The served run's results carried into this run (`carry_forward`): all of them stay in the
    temporary table `CARRIED`, written out with this run's own by `write_results`; only those
    not passed come to Python (rejections and messages read them), the passed ones as counts."""

    flagged: list[dict[str, Any]] = field(default_factory=list)  # failed or warned
    passed: dict[str, int] = field(default_factory=dict)  # check_id -> rows


def carry_forward(connection: duckdb.DuckDBPyConnection) -> Carried:
    """In a build made from the served warehouse, the served run's documents-stage results of every
    row of a document version the build did not compute again (`meta.build_changes`), as this run's
    results: such a row is the one that run judged, judged by the same suite. They are left in
    `CARRIED`, for the checkpoint to leave out and for `write_results` to write; nothing in a full
    build. At 10,000 documents, about 72,000 rows fetched into Python took the gate's worker from
    about 450 to 930 MiB."""
    connection.execute(
        f"create or replace temporary table {CARRIED} as select * from {EARLIER_RESULTS.qualified} limit 0"
    )
    (mode,) = connection.execute("select max(mode) from meta.build_inputs").fetchone() or (None,)
    if mode != "incremental":
        return Carried()
    connection.execute(
        f"""
        insert into {CARRIED}
        select results.*
        from {EARLIER_RESULTS.qualified} as results
        where results.run_id = (select max(run_id) from meta.publication)
            and results.stage = 'documents'
            and results.check_row_id in (
                select check_row_id
                from {CHECK_MODELS["documents"]}
                where document_sha256s not in (select document_sha256 from meta.build_changes)
            )
        """
    )
    passed = connection.execute(
        f"select check_id, count(*) from {CARRIED} where outcome = 'passed' group by check_id"
    ).fetchall()
    cursor = connection.execute(
        f"select * exclude (documents), documents as source_paths from {CARRIED} where outcome <> 'passed'"
    )
    names = [column[0] for column in cursor.description or []]
    flagged = [{**dict(zip(names, row, strict=True)), "no_verdict": False} for row in cursor.fetchall()]
    return Carried(flagged, {str(check_id): int(rows) for check_id, rows in passed})


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
    subject = f" [{_text(row.get('subject'))}]" if _text(row.get("subject")) else ""
    if row.get("no_verdict"):
        return (
            f"{row['source_paths']}: check {check.number} {check.check_id} (error){subject}: "
            f"no verdict, failed closed: {row['detail']}"
        )
    severity = row.get("severity", check.severity)
    return (
        f"{row['source_paths']}: check {check.number} {check.check_id} ({severity}){subject}: "
        f"{row['observed_label']} = {_amount(row['observed'])} but "
        f"{row['expected_label']} = {_amount(row['expected'])} "
        f"(difference {_amount(row['difference'])}, tolerance {_amount(row['tolerance'])})"
    )


def judge(
    frame: pd.DataFrame, failed_ids: dict[str, set[str]], errored: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """One result per row: passed, failed (error) or warned (warning), or not_applicable.

    A row of a check in `errored` (its expectation gave no verdict) is failed at error level,
    whatever the check's own severity: nothing is known to hold, so nothing passes.
    """
    errored = errored or {}
    results = []
    for row in frame.to_dict("records"):
        check = BY_ID[row["check_id"]]
        severity, detail = check.severity, row["detail"]
        if not row["applicable"]:
            outcome, passed = "not_applicable", None
        elif check.check_id in errored:
            outcome, passed, severity, detail = "failed", False, "error", errored[check.check_id]
        elif row[ROW_ID] in failed_ids.get(check.check_id, set()):
            outcome, passed = ("failed" if check.severity == "error" else "warned"), False
        else:
            outcome, passed = "passed", True
        results.append(
            {
                **{str(k): v for k, v in row.items()},
                "outcome": outcome,
                "passed": passed,
                "severity": severity,
                "detail": detail,
                "no_verdict": check.check_id in errored and bool(row["applicable"]),
            }
        )
    return results


def summarise(
    stage: Stage, run_id: str, results: list[dict[str, Any]], carried: Carried | None = None
) -> StageResult:
    """The stage's verdict over `results` and, counted, the passed rows `carried` forward."""
    outcomes = {name: 0 for name in ("passed", "failed", "warned", "not_applicable")}
    per_check: dict[str, set[str]] = {check.check_id: set() for check in checks_of(stage)}
    for check_id, rows in (carried.passed if carried else {}).items():
        outcomes["passed"] += rows
        per_check[check_id].add("passed")
    for row in results:
        outcomes[row["outcome"]] += 1
        per_check[row["check_id"]].add(row["outcome"])
    rank = ("failed", "warned", "passed", "not_applicable")
    checks = {
        check_id: next((name for name in rank if name in seen), "not_applicable")
        for check_id, seen in per_check.items()
    }
    failures = [describe_failure(row) for row in results if row["outcome"] == "failed"]
    return StageResult(stage, run_id, sum(outcomes.values()), outcomes, checks, failures)


def write_results(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    stage: Stage,
    run_id: str,
    results: list[dict[str, Any]],
    *,
    with_carried: bool = False,
) -> None:
    """This run's results of the stage, written to its file under the state folder and to the build:
    `results` (judged in this run) and, `with_carried`, every row of `CARRIED`, as this run's."""
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
    target = settings.state.results_file(run_id, stage)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    judged = """
        select * replace (
            cast(observed as decimal(38, 4)) as observed,
            cast(expected as decimal(38, 4)) as expected,
            cast(difference as decimal(38, 4)) as difference,
            cast(tolerance as decimal(38, 4)) as tolerance,
            cast(fiscal_year as integer) as fiscal_year,
            cast(passed as boolean) as passed
        )
        from stage_results
    """
    carried = f"""
        select * replace (
            {string_literal(run_id)} as run_id,
            cast({string_literal(checked_at.isoformat())} as timestamp) as checked_at
        )
        from {CARRIED}
    """
    parts = [judged] if records else []
    parts += [carried] if with_carried else []
    if records:
        connection.register("stage_results", pd.DataFrame.from_records(records, columns=list(records[0])))
    try:
        connection.execute(
            f"copy ({' union all by name '.join(parts)}) to {string_literal(temporary)} (format parquet)"
        )
    finally:
        if records:
            connection.unregister("stage_results")
    os.replace(temporary, target)
    # The build holds the history as it was when it was made (`jixiao.stages.build`): add
    # this stage's results, replacing those of an earlier try. Reading every earlier run's file
    # again here cost time and memory growing with the number of nights (26 nights: about 110 MiB
    # more in the gate's worker).
    # A retried stage's earlier try may be in the history the build loaded, or already in this run's.
    for table in (EARLIER_RESULTS, RUN_RESULTS):
        connection.execute(f"delete from {table.qualified} where run_id = ? and stage = ?", [run_id, stage])
    RUN_RESULTS.insert_relation(connection, "read_parquet(?)", [[str(target)]])

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
# What Great Expectations compares: the tolerance and the absolute difference in ten-thousandths
# (every amount is DECIMAL(38, 4)), as exact integers. GE stores each failing value it reports in
# its results and, for a Decimal, walks the call stack to warn about floats: ~20 ms a value.
SCALE = 10_000
# This run's judged rows, in the shape of the results (`_RESULT_COLUMNS` but the run's own columns)
# with `no_verdict` and `judgement` (which `judge` call judged the row last): a temporary table of
# the checkpoint's connection. Only the rows not passed come to Python (messages, rejections): at
# 10,000 documents a full build's 73,000 rows, each a dict twice over, took the gate's worker past
# 1 GiB.
JUDGED = "judged_results"
# A run's results file, in row groups far smaller than DuckDB's default (122,880 rows): writing a
# large row group's columns (its dictionaries of check row ids and details) took most of the
# documents checkpoint's write on a one-document night; zstd keeps the files smaller than before
# (docs/performance.md).
RESULTS_FILE_FORMAT = "format parquet, row_group_size 16384, compression zstd"


@dataclass
class StageResult:
    stage: Stage
    run_id: str
    rows: int
    outcomes: dict[str, int]  # passed / failed / warned / not_applicable, counted per row
    checks: dict[str, str]  # check_id -> passed / failed / warned / not_applicable
    failures: list[str] = field(default_factory=list)  # error-level failures, one message each
    rejected: list[dict[str, Any]] = field(default_factory=list)  # documents stage only


def _not_in(besides: str | None, column: str = ROW_ID) -> str:
    return f"where {column} not in (select {ROW_ID} from {besides})" if besides else ""


def read_check_rows(
    connection: duckdb.DuckDBPyConnection, stage: Stage, *, besides: str | None = None
) -> pd.DataFrame:
    """What the stage's suite reads of its reconciliation rows (the check, the row's id, whether it
    applies, the tolerance and the absolute difference in `SCALE` units as exact integers: nullable
    Int64, never floats); without the rows
    whose check_row_id is in the relation `besides`, when given."""
    import pandas as pd
    import pyarrow as pa

    table = connection.execute(
        f"""
        select
            check_id,
            {ROW_ID},
            applicable,
            cast(tolerance * {SCALE} as bigint) as tolerance_units,
            cast(abs(difference) * {SCALE} as bigint) as abs_difference_units,
        from {CHECK_MODELS[stage]}
        {_not_in(besides)}
        order by check_id, {ROW_ID}
        """
    ).fetch_arrow_table()
    exact: dict[pa.DataType, Any] = {pa.int64(): pd.Int64Dtype()}
    return table.to_pandas(types_mapper=exact.get)


def start_judging(connection: duckdb.DuckDBPyConnection) -> None:
    """An empty `JUDGED` for a stage about to be judged."""
    connection.execute(
        f"""
        create or replace temporary table {JUDGED} as
        select * exclude (run_id, checked_at, stage), false as no_verdict, 0 as judgement
        from {EARLIER_RESULTS.qualified}
        limit 0
        """
    )


def judge(
    connection: duckdb.DuckDBPyConnection,
    stage: Stage,
    failed_ids: dict[str, set[str]],
    errored: dict[str, str] | None = None,
    *,
    besides: str | None = None,
) -> list[dict[str, Any]]:
    """Judge the stage's rows as they are now (but those in `besides`) into `JUDGED`, replacing an
    earlier judgement of the same rows; return the rows of this judgement not passed (failed or
    warned). One outcome per row: passed, failed (error) or warned (warning), or not_applicable.

    A row of a check in `errored` (its expectation gave no verdict) is failed at error level,
    whatever the check's own severity: nothing is known to hold, so nothing passes.
    """
    import pandas as pd

    errored = errored or {}
    checks = checks_of(stage)
    verdicts = {
        "stage_checks": pd.DataFrame(
            {
                "check_id": [check.check_id for check in checks],
                "check_number": [check.number for check in checks],
                "check_label": [check.label for check in checks],
                "severity": [check.severity for check in checks],
                "no_verdict_because": [errored.get(check.check_id) for check in checks],
            },
            dtype="string",
        ),
        "failed_rows": pd.DataFrame(
            [(check_id, row_id) for check_id, row_ids in failed_ids.items() for row_id in row_ids],
            columns=["check_id", ROW_ID],
            dtype="string",
        ),
    }
    for name, frame in verdicts.items():
        connection.register(name, frame)
    try:
        (judgement,) = connection.execute(
            f"select coalesce(max(judgement), 0) + 1 from {JUDGED}"
        ).fetchone() or (1,)
        connection.execute(
            f"""
            insert into {JUDGED} by name
            with rows as (
                select
                    rows.*,
                    checks.check_number,
                    checks.check_label,
                    checks.severity as check_severity,
                    rows.applicable and checks.no_verdict_because is not null as no_verdict,
                    checks.no_verdict_because,
                    failed.{ROW_ID} is not null as found_unexpected,
                from {CHECK_MODELS[stage]} as rows
                inner join stage_checks as checks on rows.check_id = checks.check_id
                left join failed_rows as failed
                    on rows.check_id = failed.check_id and rows.{ROW_ID} = failed.{ROW_ID}
                {_not_in(besides, f"rows.{ROW_ID}")}
            )
            select
                * exclude (source_paths, applicable, detail, check_severity, no_verdict_because,
                    found_unexpected)
                replace (cast(fiscal_year as integer) as fiscal_year),
                source_paths as documents,
                case when no_verdict then 'error' else check_severity end as severity,
                case
                    when not applicable then 'not_applicable'
                    when no_verdict then 'failed'
                    when found_unexpected and check_severity = 'error' then 'failed'
                    when found_unexpected then 'warned'
                    else 'passed'
                end as outcome,
                case when applicable then not (no_verdict or found_unexpected) end as passed,
                case when no_verdict then no_verdict_because else detail end as detail,
                {judgement} as judgement,
            from rows
            """
        )
    finally:
        for name in verdicts:
            connection.unregister(name)
    # The rows judged again lose their earlier judgement; in place, not through a copy of this
    # judgement's rows (at 10,000 documents a full build's copy took the gate's worker 60 MiB).
    connection.execute(
        f"delete from {JUDGED} where judgement < ?"
        f" and {ROW_ID} in (select {ROW_ID} from {JUDGED} where judgement = ?)",
        [judgement, judgement],
    )
    return judged_flagged(connection, int(judgement))


def judged_flagged(
    connection: duckdb.DuckDBPyConnection, judgement: int | None = None
) -> list[dict[str, Any]]:
    """The rows of `JUDGED` that did not pass (of one `judgement`, or every row in its last), as
    dicts (amounts as Decimal)."""
    only = f"and judgement = {int(judgement)}" if judgement is not None else ""
    cursor = connection.execute(
        f"select * exclude (documents, judgement), documents as source_paths from {JUDGED}"
        f" where outcome in ('failed', 'warned') {only}"
    )
    return _as_dicts(cursor)


def _as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows a query's cursor holds, each as a dict by column name."""
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def judged_counts(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """(check_id, outcome) -> rows of `JUDGED`."""
    counted = connection.execute(f"select check_id, outcome, count(*) from {JUDGED} group by all").fetchall()
    return {(str(check_id), str(outcome)): int(rows) for check_id, outcome, rows in counted}


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
    flagged = [{**row, "no_verdict": False} for row in _as_dicts(cursor)]
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


def summarise(
    stage: Stage,
    run_id: str,
    counts: dict[tuple[str, str], int],
    flagged: list[dict[str, Any]],
    carried: Carried | None = None,
) -> StageResult:
    """The stage's verdict: `counts` of the judged rows per check and outcome (`judged_counts`), the
    rows not passed (`flagged`: judged and carried, their messages), and, counted, the passed rows
    `carried` forward."""
    outcomes = {name: 0 for name in ("passed", "failed", "warned", "not_applicable")}
    per_check: dict[str, set[str]] = {check.check_id: set() for check in checks_of(stage)}
    for check_id, rows in (carried.passed if carried else {}).items():
        outcomes["passed"] += rows
        per_check[check_id].add("passed")
    carried_flagged = carried.flagged if carried else []
    for (check_id, outcome), rows in [
        *counts.items(),
        *(((row["check_id"], row["outcome"]), 1) for row in carried_flagged),
    ]:
        outcomes[outcome] += rows
        per_check[check_id].add(outcome)
    rank = ("failed", "warned", "passed", "not_applicable")
    checks = {
        check_id: next((name for name in rank if name in seen), "not_applicable")
        for check_id, seen in per_check.items()
    }
    failures = [describe_failure(row) for row in flagged if row["outcome"] == "failed"]
    return StageResult(stage, run_id, sum(outcomes.values()), outcomes, checks, failures)


def write_results(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    stage: Stage,
    run_id: str,
    *,
    with_carried: bool = False,
) -> None:
    """This run's results of the stage, written to its file under the state folder and to the build:
    every row of `JUDGED` and, `with_carried`, of `CARRIED`, as this run's."""
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    target = settings.state.results_file(run_id, stage)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    run = f"""
            {string_literal(run_id)} as run_id,
            cast({string_literal(checked_at.isoformat())} as timestamp) as checked_at
    """
    judged = (
        f"select * exclude (no_verdict, judgement), {run}, {string_literal(stage)} as stage from {JUDGED}"
    )
    carried = f"select * replace ({run}) from {CARRIED}"
    parts = [judged, carried] if with_carried else [judged]
    columns = ", ".join(RUN_RESULTS.column_names)
    connection.execute(
        f"copy (select {columns} from ({' union all by name '.join(parts)}))"
        f" to {string_literal(temporary)} ({RESULTS_FILE_FORMAT})"
    )
    os.replace(temporary, target)
    # The build holds the history as it was when it was made (`jixiao.stages.build`): add
    # this stage's results, replacing those of an earlier try. Reading every earlier run's file
    # again here cost time and memory growing with the number of nights (26 nights: about 110 MiB
    # more in the gate's worker).
    # A retried stage's earlier try may be in the history the build loaded, or already in this run's.
    for table in (EARLIER_RESULTS, RUN_RESULTS):
        connection.execute(f"delete from {table.qualified} where run_id = ? and stage = ?", [run_id, stage])
    RUN_RESULTS.insert_relation(connection, "read_parquet(?)", [[str(target)]])

"""Reconciliation: Great Expectations judges the rows dbt's reconciliation models compute.

Two checkpoints per transform run, both on the build being made (never the served warehouse):

- `documents`, after the staging models: checks within one document. A document failing an
  error-level check is rejected: written to `reconciliation.document_rejections`, so the marts
  fall back on its earlier accepted version (if any) while everything else is published.
- `warehouse`, after the marts: checks across the serving documents of a bureau and year. An error
  here blocks publication altogether.

The gate fails closed: an expectation that raises, or fails without naming a row, fails every
applicable row of its check at error level, the exception in the row's detail. Modules: `checkpoint` (GE),
`results` (the tables and messages); this one runs a stage and gives the verdict.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from expectations.checks import SUITE_NAMES, Stage
from jixiao.reconciliation.checkpoint import findings, validate
from jixiao.reconciliation.results import (
    StageResult,
    describe_failure,
    judge,
    read_check_rows,
    summarise,
    write_results,
)
from jixiao.settings import WRITER_DUCKDB_CONFIG, Settings
from jixiao.state import read_state, write_state

STATE_FILE = "last_checks.json"


class ReconciliationError(RuntimeError):
    """The suite itself failed (rows of an unknown check, duplicate ids, a check that gave no
    verdict and has no row to fail): nothing can be trusted, nothing is published."""


def run_stage(settings: Settings, stage: Stage, run_id: str, warehouse: Path | None = None) -> StageResult:
    """Validate one stage on the build, record the results in it, and return the verdict."""
    warehouse = warehouse or settings.transform_warehouse
    with duckdb.connect(str(warehouse), config=WRITER_DUCKDB_CONFIG) as connection:
        frame = read_check_rows(connection, stage)
        if frame.empty:
            results: list[dict[str, Any]] = []
        else:
            found = findings(validate(settings, stage, frame))
            unattached = [
                f"{check_id}: {why}"
                for check_id, why in found.errored.items()
                if not frame[(frame["check_id"] == check_id) & frame["applicable"].astype(bool)].shape[0]
            ]
            if found.broken or unattached:
                problems = "; ".join(found.broken + unattached)
                raise ReconciliationError(f"suite {SUITE_NAMES[stage]} does not match its rows: {problems}")
            results = judge(frame, found.failed_ids, found.errored)
        if results:
            write_results(connection, settings, stage, run_id, results)
        summary = summarise(stage, run_id, results)
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
    connection.execute("delete from reconciliation.document_rejections")
    if rows:
        connection.executemany("insert into reconciliation.document_rejections values (?, ?, ?, ?)", rows)
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
    # For `jixiao run`'s summary; the DAG passes the result on as its task's return value.
    state = read_state(settings, STATE_FILE) or {}
    if state.get("run_id") != summary.run_id:
        state = {"run_id": summary.run_id, "stages": {}}
    state["stages"][summary.stage] = asdict(summary)
    state["data_docs"] = str(settings.data_docs_index)
    write_state(settings, STATE_FILE, state)


def verdict(documents_stage: dict[str, Any]) -> list[str]:
    """After publishing: the error-level failures of current documents, from the documents stage's
    result (its task's return value); empty when every current document was accepted."""
    if documents_stage.get("stage") != "documents":
        raise ReconciliationError(f"verdict needs the documents stage's result, got {documents_stage!r:.200}")
    return [item["message"] for item in documents_stage.get("rejected", []) if item["current"]]

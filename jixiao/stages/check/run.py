"""A stage of reconciliation on a build: its checkpoint, the documents it rejects or holds back,
and its results recorded (`jixiao.stages.check`)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from expectations.checks import SUITE_NAMES, Stage, checks_of
from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note
from jixiao.runtime.warehouse import DOCUMENT_REJECTIONS, DOCUMENTS_GATE_DUCKDB_CONFIG, GATE_DUCKDB_CONFIG
from jixiao.stages.check.checkpoint import findings, render_data_docs, validate
from jixiao.stages.check.results import (
    CARRIED,
    Carried,
    StageResult,
    carry_forward,
    describe_failure,
    judge,
    judged_counts,
    judged_flagged,
    read_check_rows,
    start_judging,
    summarise,
    write_results,
)
from jixiao.stages.check.verdict import ReconciliationError

DOCUMENT_CHECK_IDS = tuple(check.check_id for check in checks_of("documents"))
WAREHOUSE_CHECK_IDS = tuple(check.check_id for check in checks_of("warehouse"))
# Each stage's DuckDB settings in the gate's worker; a stage out of memory under its own runs again
# under `GATE_DUCKDB_CONFIG`.
STAGE_DUCKDB_CONFIGS: dict[Stage, dict[str, Any]] = {
    "documents": DOCUMENTS_GATE_DUCKDB_CONFIG,
    "warehouse": GATE_DUCKDB_CONFIG,
}
log = logging.getLogger(__name__)


def _judge(
    settings: Settings, connection: duckdb.DuckDBPyConnection, stage: Stage, *, besides: str | None = None
) -> list[dict[str, Any]]:
    """One checkpoint over the stage's rows as they are now (but those whose check_row_id is in
    `besides`), judged into `JUDGED`; returns the rows of this judgement not passed."""
    frame = read_check_rows(connection, stage, besides=besides)
    if frame.empty:
        return []
    found = findings(validate(settings, stage, frame))
    unattached = [
        f"{check_id}: {why}"
        for check_id, why in found.errored.items()
        if not frame[(frame["check_id"] == check_id) & frame["applicable"].astype(bool)].shape[0]
    ]
    if found.broken or unattached:
        problems = "; ".join(found.broken + unattached)
        raise ReconciliationError(f"suite {SUITE_NAMES[stage]} does not match its rows: {problems}")
    del frame
    return judge(connection, stage, found.failed_ids, found.errored, besides=besides)


def run_stage(
    settings: Settings, stage: Stage, run_id: str, warehouse: Path | None = None, *, data_docs: bool = True
) -> StageResult:
    """Validate one stage on the build, record the results in it, and return the verdict; then,
    `data_docs`, render its Data Docs (a night renders them beside its next work instead).

    A stage that runs out of memory under its own DuckDB bound runs again under the gate's larger
    one: a stage replaces what it wrote before (as when its task is retried), and a bound that
    failed a night would cost more than the memory it saves."""
    warehouse = warehouse or settings.state.transform_warehouse
    config = STAGE_DUCKDB_CONFIGS[stage]
    try:
        summary = _run_stage(settings, stage, run_id, warehouse, config)
    except duckdb.OutOfMemoryException as error:
        if config == GATE_DUCKDB_CONFIG:
            raise
        log.warning(
            "the %s checkpoint ran out of memory under %s (%s); running it again under %s",
            stage,
            config["memory_limit"],
            str(error).splitlines()[0],
            GATE_DUCKDB_CONFIG["memory_limit"],
        )
        summary = _run_stage(settings, stage, run_id, warehouse, GATE_DUCKDB_CONFIG)
    _record(settings, summary)
    if data_docs:
        render_data_docs(settings)
    return summary


def _run_stage(
    settings: Settings, stage: Stage, run_id: str, warehouse: Path, config: dict[str, Any]
) -> StageResult:
    with duckdb.connect(str(warehouse), config=config) as connection:
        start_judging(connection)
        if stage == "documents":
            # In a build made from the served warehouse, the checkpoint judges only the rows it
            # computed again; the others keep the served run's results.
            carried = carry_forward(connection)
            flagged = _judge(settings, connection, stage, besides=CARRIED) + carried.flagged
            _forget_rejections(connection, DOCUMENT_CHECK_IDS)  # a retried stage replaces its own
            rejected = _reject(connection, _failed(flagged))
            unresolved: list[str] = []
        else:
            carried = Carried()
            rejected, unresolved = _hold_back(settings, connection)
            flagged = judged_flagged(connection)
        counts = judged_counts(connection)
        with_carried = bool(carried.flagged or carried.passed)
        if counts or with_carried:
            write_results(connection, settings, stage, run_id, with_carried=with_carried)
        pause_at(f"reconcile.{stage}.recorded")
        summary = summarise(stage, run_id, counts, flagged, carried)
        summary.rejected = rejected
        if stage == "warehouse":
            summary.failures = unresolved
    return summary


def _failed(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in results if row["outcome"] == "failed"]


def _hold_back(
    settings: Settings, connection: duckdb.DuckDBPyConnection
) -> tuple[list[dict[str, Any]], list[str]]:
    """The checks across documents, holding back the documents of each bureau and year that fails one.

    The documents a failing row involves that the served publication did not serve are held back
    (all of them when it served every one): written to the rejections like a document's own
    failure, so the earlier accepted versions serve the marts instead. The checks then run again
    on what serves now (the intermediate models are views), until nothing fails or nothing more
    can be held back. Every row's result is left in `JUDGED` (a row's last outcome; rows of
    held-back documents keep their failure). Returns the held-back documents and the failures left
    unresolved.
    """
    served_before = settings.state.served_documents()
    _forget_rejections(connection, WAREHOUSE_CHECK_IDS)
    held: list[dict[str, Any]] = []
    held_shas: set[str] = set()
    while True:
        failing = _failed(_judge(settings, connection, "warehouse"))
        to_hold: list[dict[str, Any]] = []
        for row in failing:
            involved = [sha for sha in str(row["document_sha256s"]).split(",") if sha]
            new = [sha for sha in involved if sha not in served_before]
            for sha in new or involved:
                if sha not in held_shas:
                    held_shas.add(sha)
                    to_hold.append({**row, "document_sha256s": sha})
        if not failing or not to_hold:
            return held, [describe_failure(row) for row in failing]
        held += _reject(connection, to_hold)


def _forget_rejections(connection: duckdb.DuckDBPyConnection, check_ids: Collection[str]) -> None:
    connection.execute(
        f"delete from {DOCUMENT_REJECTIONS.qualified} where check_id in (select unnest(?))",
        [list(check_ids)],
    )


def _reject(connection: duckdb.DuckDBPyConnection, failed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the documents of `failed` rows to the build's rejections; say which are current."""
    documents = {
        sha: (path, status)
        for sha, path, status in connection.execute(
            "select document_sha256, source_path, status from raw.documents"
        ).fetchall()
    }
    rows = [
        {
            "document_sha256": row["document_sha256s"],
            "source_path": documents.get(row["document_sha256s"], (row["source_paths"], None))[0],
            "check_id": row["check_id"],
            "message": describe_failure(row),
        }
        for row in failed
    ]
    DOCUMENT_REJECTIONS.insert(connection, rows)
    statuses = {sha: status for sha, (_path, status) in documents.items()}
    return [{**row, "current": statuses.get(str(row["document_sha256"])) == "current"} for row in rows]


def _record(settings: Settings, summary: StageResult) -> None:
    # For `jixiao run`'s summary; the DAG passes the result on as its task's return value.
    state = settings.state.read(Note.CHECKS) or {}
    if state.get("run_id") != summary.run_id:
        state = {"run_id": summary.run_id, "stages": {}}
    state["stages"][summary.stage] = asdict(summary)
    state["data_docs"] = str(settings.state.data_docs_index)
    settings.state.write(Note.CHECKS, state)

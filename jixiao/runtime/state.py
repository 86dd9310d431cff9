"""The state folder (`JIXIAO_STATE_DIR`): every file a night keeps between its steps and between
nights, named here and nowhere else.

What lives there:

- the raw zone (`raw/<sha256>/`), the ledger (`ledger.sqlite`), every run's reconciliation results
  (`reconciliation/`), the Great Expectations project (`great_expectations/`);
- the builds on their way to publication: the landing's (`build/landed.duckdb`) and the one a
  transform claimed (`build/transform/`);
- notes, small JSON files written whole and renamed into place (a reader never sees half a note):
  what the last landing, checks, publication, report and night did, for `jixiao run`'s summary,
  and the served publication's record, which later nights compare their inputs with;
- the parse progress of the current landing, `jixiao run`'s lock, the CLI's log and Cosmos's cache.

It must be on the same filesystem as the served warehouse: publishing renames a build over it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Note(StrEnum):
    """The notes of the state folder, by file name."""

    LANDING = "last_landing.json"  # the last landing's summary (new, unchanged, quarantined …)
    CHECKS = "last_checks.json"  # the last transform's checkpoint results, per stage
    PUBLISH = "last_publish.json"  # this night's publication, if it made one (removed as a night starts)
    REPORT = "last_report.json"  # which publication the HTML report on disk shows
    NIGHT = "last_night.json"  # each DAG run of the last `jixiao run`, as it ended
    CLAIM = "claimed_build.json"  # which transform run took the build it is completing
    # The publication being served: its inputs, the documents it rejected or held back and the
    # documents it serves. Kept across nights: a night whose inputs equal these publishes nothing.
    SERVED = "published.json"


def results_file_name(run_id: str, stage: str) -> str:
    """One run's results of one stage: a retried task overwrites its own, never duplicates them."""
    return f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_id)}__{stage}.parquet"


@dataclass(frozen=True)
class StateFolder:
    root: Path
    warehouse: Path  # the served warehouse, which the folder's builds are published over

    # --- what the landing writes and the build reads ----------------------------------------------

    @property
    def raw_zone(self) -> Path:
        """Parquet per parsed document, written by parse workers (never the warehouse)."""
        return self.root / "raw"

    @property
    def ledger_path(self) -> Path:
        return self.root / "ledger.sqlite"

    @property
    def progress_file(self) -> Path:
        """The current landing's count of documents to parse and parsed (`jixiao.runtime.progress`)."""
        return self.root / "parse-progress.txt"

    # --- the builds ---------------------------------------------------------------------------------

    @property
    def build_warehouse(self) -> Path:
        """The raw schema the last landing built, waiting for a transform to claim it."""
        # Not raw.duckdb: DuckDB names the catalog after the file, which would clash with schema raw.
        return self.root / "build" / "landed.duckdb"

    @property
    def transform_warehouse(self) -> Path:
        """The build a transform run claimed: dbt completes and checks it, then it is published.

        Named like the served file: DuckDB names the catalog after the file's stem and dbt's views
        refer to it, so a build under another stem would publish views that no longer resolve.
        """
        return self.root / "build" / "transform" / self.warehouse.name

    # --- reconciliation ---------------------------------------------------------------------------

    @property
    def reconciliation_dir(self) -> Path:
        """Every run's reconciliation results (Parquet per run and stage), kept across builds."""
        return self.root / "reconciliation"

    def results_file(self, run_id: str, stage: str) -> Path:
        return self.reconciliation_dir / results_file_name(run_id, stage)

    @property
    def great_expectations_dir(self) -> Path:
        """The Great Expectations project reconciliation runs in (suites come from expectations/)."""
        return self.root / "great_expectations"

    @property
    def data_docs_index(self) -> Path:
        return self.great_expectations_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    # --- the command line -------------------------------------------------------------------------

    @property
    def run_lock(self) -> Path:
        """Held by the `jixiao run` that runs a night on this folder; holds its pid."""
        return self.root / "jixiao-run.lock"

    @property
    def cli_log(self) -> Path:
        """The traces of the CLI's unexpected failures (stderr keeps the one line of a refusal)."""
        return self.root / "jixiao-cli.log"

    @property
    def cosmos_cache(self) -> Path:
        """Cosmos's cache (dbt's partial-parse file) for the nights on this folder."""
        return self.root / "cosmos"

    # --- notes ------------------------------------------------------------------------------------

    def note_path(self, note: Note) -> Path:
        return self.root / note.value

    def write(self, note: Note, record: dict[str, Any]) -> Path:
        """Write a note whole: to a temporary file, renamed over the note."""
        path = self.note_path(note)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, path)
        return path

    def read(self, note: Note) -> dict[str, Any] | None:
        path = self.note_path(note)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def forget(self, *notes: Note) -> None:
        for note in notes:
            self.note_path(note).unlink(missing_ok=True)

    # --- the served publication -------------------------------------------------------------------

    def publication(self) -> dict[str, Any] | None:
        """The served publication's record, or None when nothing is served."""
        record = self.read(Note.SERVED)
        return record if record and self.warehouse.exists() else None

    def unchanged_since_publication(self, inputs: str) -> dict[str, Any] | None:
        """The served publication's record when it was built from exactly `inputs`, else None."""
        record = self.publication()
        return record if record is not None and record.get("inputs") == inputs else None

    def served_documents(self) -> set[str]:
        """The documents (sha256) whose records the served publication's marts hold; empty when
        nothing is served."""
        serving = (self.publication() or {}).get("serving")
        return {str(sha) for sha in serving} if isinstance(serving, list) else set()

    def served_documents_stage(self) -> dict[str, Any]:
        """The documents stage's verdict as the served publication recorded it (its rejected
        documents), in the shape `jixiao.stages.check.verdict` reads."""
        return {"stage": "documents", "rejected": (self.publication() or {}).get("rejected") or []}

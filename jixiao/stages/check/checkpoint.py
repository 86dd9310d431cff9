"""The Great Expectations side of reconciliation: a file-backed context under the state folder, one
checkpoint per stage over the stage's rows (a pandas DataFrame: GE's SQL path to DuckDB is broken
upstream), and what each expectation found: failing row ids, or no verdict at all; Data Docs of the
validations stored (`render_data_docs`), which a night renders beside its next work.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.checks import ROW_ID, SUITE_NAMES, Stage
from jixiao.runtime.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

# The validations each stage keeps in GE's store and Data Docs: a month of nights.
KEPT_VALIDATIONS = 31
# Under GE's project folder: the stored validations and their Data Docs pages, each by
# suite / run name / run time / batch.
STORED_VALIDATIONS = Path("uncommitted/validations")
DATA_DOCS_VALIDATIONS = Path("uncommitted/data_docs/local_site/validations")


def _context(settings: Settings) -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(settings.state.great_expectations_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def prune_validations(gx_root: Path, suite_name: str, keep: int | None = None) -> int:
    """Delete all but the newest `keep - 1` stored validations of a suite, with their Data Docs pages,
    so that with the one about to be made there are `keep`. Returns how many were deleted.

    GE keeps every validation result and its page for ever (each night adds about 0.4 MB at 1,000
    documents, and every later Data Docs build lists them all). Their folders are named by the
    run's UTC time, so names sort as times."""
    keep = KEPT_VALIDATIONS if keep is None else keep
    deleted = 0
    for kind in (STORED_VALIDATIONS, DATA_DOCS_VALIDATIONS):
        runs = sorted((gx_root / kind / suite_name).glob("*/*"), key=lambda path: path.name)
        for run in runs[: max(0, len(runs) - (keep - 1))]:
            shutil.rmtree(run, ignore_errors=True)
            deleted += 1
    return deleted


# Each stage's checkpoint as registered in GE's store, by that store's folder: registering the data
# source, suite, validation definition and checkpoint took about a third of a checkpoint's run on a
# one-document night, and the gate's worker does it ahead of need (`prepare_checkpoints`).
_registered: dict[tuple[Path, Stage], Any] = {}


def prepare_checkpoints() -> None:
    """Register every stage's checkpoint in GE's store: the gate's worker does this as soon as its
    imports are done (`jixiao.airflow.nightly`), while the landing and dbt run, so that a stage's
    checkpoint only runs when the build reaches it."""
    settings = Settings.from_env()
    for stage in SUITE_NAMES:
        _checkpoint(settings, stage)


def _checkpoint(settings: Settings, stage: Stage) -> Any:
    """The stage's checkpoint, registered in GE's store (the suite as the code builds it now) once
    per process and store folder; again if the store no longer holds it (the folder removed, and
    made again by the other stage's registration)."""
    import great_expectations as gx

    from expectations.suites import build_suite

    root = settings.state.great_expectations_dir
    registered = _registered.get((root, stage))
    if registered is not None and _stored(root / "gx", SUITE_NAMES[stage]):
        return registered
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
            # No Data Docs action: `render_data_docs`, after the stage, off a night's critical path.
            actions=[],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
        )
    )
    _registered[(root, stage)] = checkpoint
    return checkpoint


def _stored(gx_root: Path, name: str) -> bool:
    """Whether GE's store holds the context's configuration and the suite, validation definition
    and checkpoint named `name`."""
    return (gx_root / "great_expectations.yml").is_file() and all(
        (gx_root / folder / f"{name}.json").is_file()
        for folder in ("expectations", "validation_definitions", "checkpoints")
    )


def validate(settings: Settings, stage: Stage, frame: pd.DataFrame) -> Any:
    """Run the stage's checkpoint over `frame`, its validation stored among the last
    `KEPT_VALIDATIONS` of the stage (Data Docs: `render_data_docs`)."""
    prune_validations(settings.state.great_expectations_dir / "gx", SUITE_NAMES[stage])
    checkpoint = _checkpoint(settings, stage)
    try:
        return checkpoint.run(batch_parameters={"dataframe": frame})
    finally:
        _forget_batches(checkpoint)


def render_data_docs(settings: Settings) -> int:
    """Data Docs: a page for each stored validation that has none yet, each suite's page and the
    index. Returns how many validation pages were made. Pages come from the stored results alone,
    so a night that stopped before rendering gets its pages from the next."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = _context(settings)
    pages = settings.state.great_expectations_dir / "gx" / DATA_DOCS_VALIDATIONS
    missing = [
        key
        for key in context.validation_results_store.list_keys()
        if not pages.joinpath(*key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html").is_file()
    ]
    suites = [ExpectationSuiteIdentifier(name) for name in SUITE_NAMES.values()]
    context.build_data_docs(resource_identifiers=[*missing, *suites])
    return len(missing)


def _forget_batches(checkpoint: Any) -> None:
    """Drop the rows a checkpoint's run left in its data source's execution engine: a registered
    checkpoint outlives its run (`_registered`), and its engine would hold each stage's last frame
    for the rest of the process."""
    for definition in checkpoint.validation_definitions:
        batches = definition.batch_definition.data_asset.datasource.get_execution_engine().batch_manager
        batches.reset_batch_cache()
        batches.batch_data_cache.clear()


@dataclass
class CheckpointFindings:
    """What one checkpoint run says, expectation by expectation."""

    failed_ids: dict[str, set[str]] = field(default_factory=dict)  # check_id -> row ids found unexpected
    # check_id -> why its expectation gave no verdict (it raised, or failed without naming a row):
    # such a check fails closed, every applicable row of it failed.
    errored: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)  # the suite's own expectations that failed


def _exception_message(result: Any) -> str | None:
    # GE gives either one {"raised_exception": ...} record or one per metric it computed.
    info = result.exception_info or {}
    records = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for record in records:
        if record.get("raised_exception"):
            message = str(record.get("exception_message") or "").strip()
            return message.splitlines()[0] if message else "an exception without a message"
    return None


def findings(checkpoint_result: Any) -> CheckpointFindings:
    """Row ids each check's expectation found unexpected, the checks that gave no verdict, and the
    suite-level failures."""
    found = CheckpointFindings()
    for validation in checkpoint_result.run_results.values():
        for result in validation.results:
            config = result.expectation_config
            check_id = (config.meta or {}).get("check_id")
            unexpected = (result.result or {}).get("unexpected_index_list") or []
            raised = _exception_message(result)
            if check_id:
                found.failed_ids[check_id] = {row[ROW_ID] for row in unexpected}
                if raised is not None:
                    found.errored[check_id] = f"the expectation raised: {raised}"
                elif not result.success and not unexpected:
                    found.errored[check_id] = "the expectation failed without naming a failing row"
            elif raised is not None or not result.success:
                sample = (result.result or {}).get("partial_unexpected_list") or unexpected[:5]
                found.broken.append(f"{config.type} {config.kwargs.get('column', '')}: {raised or sample}")
    return found

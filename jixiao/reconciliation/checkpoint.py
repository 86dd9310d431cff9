"""The Great Expectations side of reconciliation: a file-backed context under the state folder, one
checkpoint per stage over the stage's rows (a pandas DataFrame: GE's SQL path to DuckDB is broken
upstream), and the row ids each expectation found failing. Data Docs are rebuilt by each run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from expectations.checks import ROW_ID, SUITE_NAMES, Stage
from jixiao.settings import Settings

if TYPE_CHECKING:
    import pandas as pd


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

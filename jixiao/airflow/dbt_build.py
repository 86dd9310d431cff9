"""The transform's `dbt build` operator: Cosmos' local one, without its OpenLineage reading.

After every invocation Cosmos derives OpenLineage events from the invocation's `manifest.json` and
`run_results.json`. The night writes neither (`--no-write-json`: nothing reads them) and sends no
OpenLineage events (no OpenLineage provider is installed), so the derivation only imported the
OpenLineage client into the night's process and, after each invocation, looked for files that are
not there.

A build whose rendered selection is empty (a group an incremental build does not make again:
`jixiao.airflow.tasks.build_selection`) runs no dbt: an empty `--select` would select the whole
project, and dbt's start alone costs more than half a second.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from airflow.sdk import Context
from cosmos.operators.local import DbtBuildLocalOperator

# What a build task whose selection is empty logs (the tests find that task by it).
NOTHING_TO_BUILD = "nothing of this group is made again"


class DbtBuildOperator(DbtBuildLocalOperator):  # type: ignore[misc]
    """`dbt build` in a copy of the project (Cosmos' `DbtBuildLocalOperator`), with no OpenLineage;
    none at all when its selection is empty."""

    def execute(self, context: Context, **kwargs: Any) -> None:
        if selects_nothing(self.dbt_cmd_flags):
            self.log.info("%s: no dbt build (%s)", NOTHING_TO_BUILD, self.dbt_cmd_flags)
            return
        super().execute(context, **kwargs)

    def calculate_openlineage_events_completes(
        self,
        env: dict[str, str | os.PathLike[Any] | bytes],
        project_dir: Path,
        dbt_command_line: list[str] | None = None,
    ) -> bool:
        """No OpenLineage events: none are derived, and none are stored on the task."""
        return False


def selects_nothing(flags: list[str] | None) -> bool:
    """Whether rendered dbt flags hold a `--select` whose value is empty."""
    flags = flags or []
    values = [*flags[1:], ""]  # the value after each flag ("" after the last)
    return any(flag == "--select" and not value.strip() for flag, value in zip(flags, values, strict=True))

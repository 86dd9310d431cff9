"""The transform's `dbt build` operator: Cosmos' local one, without its OpenLineage reading.

After every invocation Cosmos derives OpenLineage events from the invocation's `manifest.json` and
`run_results.json`. The night writes neither (`--no-write-json`: nothing reads them) and sends no
OpenLineage events (no OpenLineage provider is installed), so the derivation only imported the
OpenLineage client into the night's process and, after each invocation, looked for files that are
not there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cosmos.operators.local import DbtBuildLocalOperator


class DbtBuildOperator(DbtBuildLocalOperator):  # type: ignore[misc]
    """`dbt build` in a copy of the project (Cosmos' `DbtBuildLocalOperator`), with no OpenLineage."""

    def calculate_openlineage_events_completes(
        self,
        env: dict[str, str | os.PathLike[Any] | bytes],
        project_dir: Path,
        dbt_command_line: list[str] | None = None,
    ) -> bool:
        """No OpenLineage events: none are derived, and none are stored on the task."""
        return False

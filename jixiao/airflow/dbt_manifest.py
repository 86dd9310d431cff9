"""dbt's manifest of the project, parsed once per version of the project's files.

Cosmos copies it into each dbt invocation's copy of the project, beside dbt's partial-parse file
(the transform's builds write no manifest of their own, `--no-write-json`, and Cosmos keeps both
files for the next invocation). The manifest is kept under the project's `target/` folder (or the
temporary folder where that is read-only), named by a hash of the project's files, so any process
and any Airflow home reuses it, and a changed model, seed or test is parsed again.
"""

from __future__ import annotations

from pathlib import Path

from jixiao.runtime.dbt_project import dbt_output


def dbt_manifest(project_dir: Path) -> Path:
    """The path of an up-to-date `manifest.json` for the project, running `dbt parse` if needed."""
    return dbt_output(project_dir, "manifest.json", ["parse", "--no-partial-parse"], "manifest.json")

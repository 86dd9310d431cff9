"""dbt's manifest of the project, parsed once per version of the project's files.

Cosmos renders the transform's task groups from it (`LoadMode.DBT_MANIFEST`). `dbt ls`, the other
way, caches its output in Airflow Variables: every new Airflow home (a fresh install, a test) paid
two `dbt ls` of ~14 s each. The manifest is kept under the project's `target/` folder (or the
temporary folder where that is read-only), named by a hash of the project's files, so any process
and any Airflow home reuses it, and a changed model, seed or test is parsed again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from jixiao.runtime.dbt_project import cache_dir, project_hash


def dbt_manifest(project_dir: Path) -> Path:
    """The path of an up-to-date `manifest.json` for the project, running `dbt parse` if needed."""
    manifest = cache_dir(project_dir) / f"jixiao-manifest-{project_hash(project_dir)[:16]}.json"
    if manifest.exists():
        return manifest
    with tempfile.TemporaryDirectory(prefix="jixiao-dbt-parse-") as target:
        env = {
            **os.environ,
            # Parsing needs a profile, not a warehouse.
            "JIXIAO_DBT_WAREHOUSE": ":memory:",
            "DO_NOT_TRACK": "1",
        }
        subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "parse",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--target-path",
                target,
                # Not the project's logs/: the image's project folder is read-only for Airflow's user.
                "--log-path",
                target,
                "--no-partial-parse",
                "--quiet",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        # Written whole then renamed: a process rendering at the same time sees no half file.
        temporary = manifest.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes((Path(target) / "manifest.json").read_bytes())
        os.replace(temporary, manifest)
    return manifest

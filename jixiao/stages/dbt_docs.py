"""dbt's documentation site (models, columns with their Chinese labels, tests, lineage) as one static
page beside the report, `dbt-docs.html`, for the stack's read-only products service and anyone with
the folder.

The site describes the project, not a night: it is generated once per version of the project's
files (`dbt docs generate --static`, kept under the project hash) and copied beside the report after
each publication. Its catalog is left empty: the marts' contracts fix every column's type to the one
the YAML declares, which the site shows, and the catalog's queries would need the warehouse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jixiao.runtime.dbt_project import cache_dir, project_hash
from jixiao.runtime.settings import Settings


def dbt_docs_site(project_dir: Path) -> Path:
    """The static documentation page of the project's current files, generated if not yet kept."""
    page = cache_dir(project_dir) / f"jixiao-docs-{project_hash(project_dir)[:16]}.html"
    if page.exists():
        return page
    with tempfile.TemporaryDirectory(prefix="jixiao-dbt-docs-") as target:
        subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")),
                "docs", "generate", "--static", "--empty-catalog",
                "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
                "--target-path", target, "--log-path", target, "--quiet",
            ],
            # Compiling needs a profile, not a warehouse.
            env={**os.environ, "JIXIAO_DBT_WAREHOUSE": ":memory:", "DO_NOT_TRACK": "1"},
            check=True,
            capture_output=True,
        )  # fmt: skip
        temporary = page.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(Path(target) / "static_index.html", temporary)
        os.replace(temporary, page)
    return page


def refresh_dbt_docs(settings: Settings) -> str:
    """Copy the project's documentation page beside the report (written whole, then renamed)."""
    target = settings.dbt_docs_path
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        shutil.copyfile(dbt_docs_site(settings.dbt_project_dir), temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)

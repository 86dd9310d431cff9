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
import tempfile
from pathlib import Path

from jixiao.runtime.dbt_project import dbt_output
from jixiao.runtime.settings import Settings


def dbt_docs_site(project_dir: Path) -> Path:
    """The static documentation page of the project's current files, generated if not yet kept."""
    return dbt_output(
        project_dir, "docs.html", ["docs", "generate", "--static", "--empty-catalog"], "static_index.html"
    )


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

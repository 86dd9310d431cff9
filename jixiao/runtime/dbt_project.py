"""The dbt project's files as one hash: what a build's inputs include of the project, and the name
under which its parsed manifest and its documentation site are kept."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

# dbt's own output and caches inside the project folder: not part of the project.
DBT_OUTPUT = frozenset({"target", "logs", "dbt_packages", ".user.yml"})


def project_files(project_dir: Path) -> list[Path]:
    """Every file of the dbt project (models, seeds, macros, tests, configuration), sorted."""
    return sorted(
        path
        for path in project_dir.rglob("*")
        if path.is_file() and not DBT_OUTPUT.intersection(path.relative_to(project_dir).parts)
    )


def project_hash(project_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in project_files(project_dir):
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_dir(project_dir: Path) -> Path:
    """Where what is derived from the project's files alone is kept, named by `project_hash`: the
    project's `target/` folder, or the temporary folder where that is read-only (the image's project
    folder is read-only for Airflow's user)."""
    folder = project_dir / "target"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    fallback = Path(tempfile.gettempdir()) / "jixiao-dbt"
    fallback.mkdir(parents=True, exist_ok=True)
    return fallback

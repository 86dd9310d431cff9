"""The dbt project's files as one hash: what a build's inputs include of the project, and the name
under which what dbt derives from those files alone (its parsed manifest, its documentation site)
is kept."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# dbt's own output and caches inside the project folder: not part of the project.
DBT_OUTPUT = frozenset({"target", "logs", "dbt_packages", ".user.yml"})
# What an incremental build (a copy of the served warehouse, made by the same project: the hash
# below is part of its code fingerprint) already holds as a full build would make it, and whose unit
# tests passed then: dbt selectors a build leaves out (tests/conftest.py's transform).
UNCHANGED_IN_AN_INCREMENTAL_BUILD = (
    "resource_type:seed",
    "resource_type:unit_test",
    "config.materialized:view",
)
# What the transform's incremental builds make again, where it is downstream of a source the build
# changed (`jixiao.airflow.tasks.build_selection`): the tables, and the data tests.
REBUILT_IN_AN_INCREMENTAL_BUILD = (
    "config.materialized:table",
    "config.materialized:incremental",
    "resource_type:test",
)


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


def dbt_output(project_dir: Path, kept_as: str, command: Sequence[str], produced: str) -> Path:
    """The file `produced` that the dbt `command` writes from the project's files alone, run once per
    version of those files and kept in `cache_dir` as `jixiao-<kept_as>` with the project's hash
    before its suffix (`manifest.json` → `jixiao-manifest-<hash>.json`)."""
    stem, suffix = os.path.splitext(kept_as)
    kept = cache_dir(project_dir) / f"jixiao-{stem}-{project_hash(project_dir)[:16]}{suffix}"
    if kept.exists():
        return kept
    with tempfile.TemporaryDirectory(prefix=f"jixiao-dbt-{stem}-") as target:
        subprocess.run(
            [
                str(Path(sys.executable).with_name("dbt")), *command,
                "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
                # Not the project's logs/: the image's project folder is read-only for Airflow's user.
                "--target-path", target, "--log-path", target, "--quiet",
            ],
            # Parsing and compiling need a profile, not a warehouse.
            env={**os.environ, "JIXIAO_DBT_WAREHOUSE": ":memory:", "DO_NOT_TRACK": "1"},
            check=True,
            capture_output=True,
        )  # fmt: skip
        # Written whole then renamed: a process reading it at the same time sees no half file.
        temporary = kept.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(Path(target) / produced, temporary)
        os.replace(temporary, kept)
    return kept

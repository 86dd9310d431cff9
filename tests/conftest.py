"""Shared test setup: real sample PDFs, their truth files, and an Airflow home of the test run's own."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ingest.settings import Settings

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data" / "samples"
TRUTH = Path(__file__).resolve().parent / "fixtures" / "truth"

# Airflow reads AIRFLOW_HOME when it is first imported, so the test run's own home is set before any
# test module imports it: the developer's .airflow/ and warehouse are never touched by tests.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="jixiao-test-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "DO_NOT_TRACK": "1",
        "JIXIAO_WAREHOUSE": str(_AIRFLOW_HOME / "unused-warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(_AIRFLOW_HOME / "unused-state"),
        "JIXIAO_EXPORT_DIR": str(_AIRFLOW_HOME / "unused-exports"),
        "JIXIAO_RETRY_DELAY_SECONDS": "1",
    }
)

SAMPLE_FILES = {
    "huangpu_2023_dept_target_form": SAMPLES / "2023" / "huangpu_2023_dept_target_form.pdf",
    "guangzhou_2023_dept_target_form": SAMPLES / "2023" / "guangzhou_2023_dept_target_form.pdf",
    "guangzhou_2023_project_target_table": SAMPLES / "2023" / "guangzhou_2023_project_target_table.pdf",
    "huangpu_2022_self_evaluation": SAMPLES / "2022" / "huangpu_2022_self_evaluation.pdf",
}


def bin_path(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The session's Airflow home, with its SQLite metadata DB migrated."""
    if not (_AIRFLOW_HOME / "airflow.db").exists():
        subprocess.run([bin_path("airflow"), "db", "migrate"], check=True, capture_output=True)
    return _AIRFLOW_HOME


def run_dbt(work: Path, *command: str) -> dbtRunnerResult:
    """A dbt command on the real project, in-process, with its target and logs under `work`; the
    warehouse is whatever JIXIAO_DBT_WAREHOUSE / JIXIAO_WAREHOUSE name (see profiles.yml)."""
    from dbt.cli.main import dbtRunner

    dbt_dir = PROJECT_ROOT / "dbt_project"
    return dbtRunner().invoke(
        [
            *command,
            "--project-dir", str(dbt_dir),
            "--profiles-dir", str(dbt_dir),
            "--target-path", str(work / "target"),
            "--log-path", str(work / "logs"),
            "--quiet",
        ]
    )  # fmt: skip


def dbt_build(work: Path, *selection: str) -> dbtRunnerResult:
    return run_dbt(work, "build", *selection)


@pytest.fixture
def settings(landing: Path, tmp_path: Path) -> Settings:
    """Settings of a test's own: the sample landing, a warehouse and a state folder under tmp_path."""
    return dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing,
        warehouse=tmp_path / "served.duckdb",
        state_dir=tmp_path / "state",
        parse_workers=2,
    )


def copy_samples(target: Path) -> Path:
    """`target` as a landing folder holding copies of the four sample PDFs under their <year>/ folders."""
    for path in SAMPLE_FILES.values():
        destination = target / path.parent.name / path.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return target


def jixiao_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a `jixiao run` with everything of its own under `root`: an Airflow home
    (not migrated yet: the run must do it), the landing folder, warehouse, state and exports."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "JIXIAO_LANDING_DIR": str(root / "landing"),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
        "JIXIAO_EXPORT_DIR": str(root / "exports"),
        **extra,
    }


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder holding copies of the four sample PDFs under their <year>/ folders."""
    return copy_samples(tmp_path / "landing")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)

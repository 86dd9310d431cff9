"""Shared test setup: real sample PDFs, their truth files, and an Airflow home of the test run's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

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


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder holding copies of the four sample PDFs under their <year>/ folders."""
    target = tmp_path / "landing"
    for path in SAMPLE_FILES.values():
        destination = target / path.parent.name / path.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return target


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)

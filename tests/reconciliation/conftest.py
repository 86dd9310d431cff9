"""A landed sample warehouse, completed by the real dbt project, for the reconciliation gate."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest.gate import StageResult, run_stage
from ingest.orchestration import BEFORE_DOCUMENT_CHECKS
from ingest.pipeline import land_all
from ingest.settings import Settings
from tests.conftest import PROJECT_ROOT, dbt_build


def build_selected(warehouse: Path, work: Path, monkeypatch: pytest.MonkeyPatch, *selection: str) -> None:
    monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(warehouse))
    result = dbt_build(work, *selection)
    assert result.success, result.exception


def transform(
    settings: Settings, build: Path, work: Path, monkeypatch: pytest.MonkeyPatch, run_id: str = "test_run"
) -> tuple[StageResult, StageResult]:
    """The transform DAG's order on `build`: staging, document checks, marts, warehouse checks."""
    build_selected(build, work, monkeypatch, "--select", *BEFORE_DOCUMENT_CHECKS)
    documents = run_stage(settings, "documents", run_id, warehouse=build)
    build_selected(build, work, monkeypatch, "--exclude", *BEFORE_DOCUMENT_CHECKS)
    return documents, run_stage(settings, "warehouse", run_id, warehouse=build)


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """Settings of a state directory with the samples landed, and the untouched raw build."""
    root = tmp_path_factory.mktemp("gate")
    landing = root / "landing"
    shutil.copytree(PROJECT_ROOT / "data" / "samples", landing)
    settings = dataclasses.replace(
        Settings.from_env(), landing_dir=landing, warehouse=root / "served.duckdb", state_dir=root / "state"
    )
    land_all(settings)
    pristine = root / "landed-pristine.duckdb"
    shutil.copy2(settings.build_warehouse, pristine)
    return settings, pristine


Edit = Callable[[duckdb.DuckDBPyConnection], None]


@pytest.fixture
def build_with(
    landed: tuple[Settings, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Edit | None], tuple[Settings, Path]]:
    """A copy of the landed build, edited in its raw records, ready for the gate and dbt.

    The state directory is the test's own, so reconciliation history does not leak between tests.
    """

    def make(edit: Edit | None = None) -> tuple[Settings, Path]:
        settings, pristine = landed
        settings = dataclasses.replace(settings, state_dir=tmp_path / "state")
        build = settings.transform_warehouse  # where the transform DAG completes a build
        build.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pristine, build)
        if edit is not None:
            with duckdb.connect(str(build)) as connection:
                edit(connection)
        return settings, build

    return make

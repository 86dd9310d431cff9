"""The samples and the self-evaluation tables (tests/fixtures/family/self_evaluation_tables/) landed
together once, and completed once by the real dbt project and reconciliation, for the tests of the
tables' checks, marts and report; a test that edits records copies the landed build first."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from jixiao.runtime.settings import Settings
from tests.conftest import PROJECT_ROOT, SampleWarehouse, built_once, completed_once, copy_samples

SELF_EVALUATION_TABLES = PROJECT_ROOT / "tests" / "fixtures" / "family" / "self_evaluation_tables"
TABLES_RUN_ID = "tables_run"


def table_landing_paths() -> dict[str, Path]:
    """Each self-evaluation table fixture by its path under the landing folder: the folder of its
    year (2024/ for a table that prints none), the year its name starts with otherwise."""
    return {
        f"{pdf.parent.name if pdf.parent.name.isdigit() else pdf.name.split('_')[1]}/{pdf.name}": pdf
        for pdf in sorted(SELF_EVALUATION_TABLES.rglob("*.pdf"))
    }


@pytest.fixture(scope="session")
def landed_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """Settings of a state folder with the four samples and every self-evaluation table landed, and
    a pristine copy of the raw build."""
    return built_once(tmp_path_factory, "landed-tables", lambda: _land_tables(tmp_path_factory))


def _land_tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    from jixiao.stages.land import land_all

    root = tmp_path_factory.mktemp("landed-tables")
    landing = copy_samples(root / "landing")
    for name, source in table_landing_paths().items():
        (landing / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, landing / name)
    settings = dataclasses.replace(
        Settings.from_env(), landing_dir=landing, warehouse=root / "served.duckdb", state_dir=root / "state"
    )
    summary = land_all(settings)
    assert len(summary.new) == 4 + len(table_landing_paths()) and not summary.quarantined, summary
    pristine = root / "landed-pristine.duckdb"
    shutil.copy2(settings.state.build_warehouse, pristine)
    return settings, pristine


@pytest.fixture(scope="session")
def table_warehouse(
    landed_tables: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory
) -> SampleWarehouse:
    """The samples and the tables as a night completes them (dbt and both reconciliation stages, run
    TABLES_RUN_ID). Read it; a test that writes copies it first."""
    return completed_once(tmp_path_factory, "table-warehouse", landed_tables, TABLES_RUN_ID)

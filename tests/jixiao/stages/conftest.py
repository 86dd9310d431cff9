"""The samples and the self-evaluation tables (tests/fixtures/family/self_evaluation_tables/) landed
together once, and completed once by the real dbt project and reconciliation, for the tests of the
tables' checks, marts and report; a test that edits records copies the landed build first."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.runtime.settings import Settings
from tests.conftest import PROJECT_ROOT, SampleWarehouse, completed_once, landed_once

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
    return landed_once(tmp_path_factory, "landed-tables", table_landing_paths())


@pytest.fixture(scope="session")
def table_warehouse(
    landed_tables: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory
) -> SampleWarehouse:
    """The samples and the tables as a night completes them (dbt and both reconciliation stages, run
    TABLES_RUN_ID). Read it; a test that writes copies it first."""
    return completed_once(tmp_path_factory, "table-warehouse", landed_tables, TABLES_RUN_ID)

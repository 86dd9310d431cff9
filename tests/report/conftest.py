"""The sample warehouse as `jixiao run` publishes it, built in-process (no Airflow) for the report."""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.pipeline import land_all
from ingest.settings import Settings
from tests.conftest import SAMPLES
from tests.reconciliation.conftest import transform

RUN_ID = "report_test_run"


@pytest.fixture(scope="module")
def served_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples landed, completed by the real dbt project and gate, checkpointed and copied to a
    served path (the DAG's publish step also stamps and exports; the report needs neither)."""
    root = tmp_path_factory.mktemp("report")
    landing = root / "landing"
    shutil.copytree(SAMPLES, landing)
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing,
        warehouse=root / "served" / "warehouse.duckdb",
        state_dir=root / "state",
    )
    land_all(settings)
    build = settings.transform_warehouse
    build.parent.mkdir(parents=True, exist_ok=True)
    os.replace(settings.build_warehouse, build)
    with pytest.MonkeyPatch.context() as monkeypatch:
        documents, warehouse = transform(settings, build, root / "dbt", monkeypatch, run_id=RUN_ID)
    assert not documents.failures and not warehouse.failures, documents.failures + warehouse.failures
    with duckdb.connect(str(build)) as connection:
        connection.execute("checkpoint")
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(build, settings.warehouse)
    return settings.warehouse

"""Copies of the session's landed samples, edited in their raw records, for reconciliation's decisions."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from jixiao.settings import Settings

Edit = Callable[[duckdb.DuckDBPyConnection], None]


@pytest.fixture
def build_with(
    landed_samples: tuple[Settings, Path], tmp_path: Path
) -> Callable[[Edit | None], tuple[Settings, Path]]:
    """A copy of the landed build, edited in its raw records, ready for reconciliation and dbt.

    The state directory is the test's own, so reconciliation history does not leak between tests.
    """

    def make(edit: Edit | None = None) -> tuple[Settings, Path]:
        settings, pristine = landed_samples
        settings = dataclasses.replace(settings, state_dir=tmp_path / "state")
        build = settings.transform_warehouse  # where the transform DAG completes a build
        build.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pristine, build)
        if edit is not None:
            with duckdb.connect(str(build)) as connection:
                edit(connection)
        return settings, build

    return make

"""Copies of the session's landed samples, edited in their raw records, for reconciliation's decisions."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from jixiao.runtime.settings import Settings

Edit = Callable[[duckdb.DuckDBPyConnection], None]
Builder = Callable[[Edit | None], tuple[Settings, Path]]


def _builder(landed_samples: tuple[Settings, Path], make_dir: Callable[[], Path]) -> Builder:
    def make(edit: Edit | None = None) -> tuple[Settings, Path]:
        settings, pristine = landed_samples
        settings = dataclasses.replace(settings, state_dir=make_dir() / "state")
        build = settings.state.transform_warehouse  # where the transform DAG completes a build
        build.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pristine, build)
        if edit is not None:
            with duckdb.connect(str(build)) as connection:
                edit(connection)
        return settings, build

    return make


@pytest.fixture
def build_with(landed_samples: tuple[Settings, Path], tmp_path: Path) -> Builder:
    """A copy of the landed build, edited in its raw records, ready for reconciliation and dbt.

    Each build has a state directory of its own, so reconciliation history does not leak between
    tests, nor between two builds of one test.
    """
    return _builder(landed_samples, lambda: Path(tempfile.mkdtemp(dir=tmp_path)))


@pytest.fixture(scope="module")
def module_build_with(
    landed_samples: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory
) -> Builder:
    """The same for a module's shared builds: each call gets a state directory of its own."""
    return _builder(landed_samples, lambda: tmp_path_factory.mktemp("build"))

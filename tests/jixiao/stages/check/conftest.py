"""Copies of the session's landed and modelled samples, edited in their raw records, for
reconciliation's decisions."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from jixiao.runtime.settings import Settings
from tests.conftest import build_selected, built_once

Edit = Callable[[duckdb.DuckDBPyConnection], None]
Builder = Callable[[Edit | None], tuple[Settings, Path]]


@pytest.fixture(scope="session")
def modelled_samples(landed_samples: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The landed samples' build with every model dbt makes (seeds, views, tables; no tests), under the
    name the transform's builds take (dbt's views name the file's catalog): what each edited copy
    starts from, so that a test's transform makes its tables alone again (`transform`)."""

    def model() -> Path:
        settings, pristine = landed_samples
        base = tmp_path_factory.mktemp("modelled") / settings.state.transform_warehouse.name
        shutil.copy2(pristine, base)
        models = ("--exclude", "resource_type:test", "resource_type:unit_test")
        build_selected(base, base.parent / "dbt", *models)
        return base

    return built_once(tmp_path_factory, "modelled-samples", model)


def _builder(settings: Settings, base: Path, make_dir: Callable[[], Path]) -> Builder:
    def make(edit: Edit | None = None) -> tuple[Settings, Path]:
        state = dataclasses.replace(settings, state_dir=make_dir() / "state")
        build = state.state.transform_warehouse  # where the transform DAG completes a build
        build.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(base, build)
        if edit is not None:
            with duckdb.connect(str(build)) as connection:
                edit(connection)
        return state, build

    return make


@pytest.fixture
def build_with(landed_samples: tuple[Settings, Path], modelled_samples: Path, tmp_path: Path) -> Builder:
    """A copy of the landed and modelled build, edited in its raw records, ready for reconciliation
    and dbt.

    Each build has a state directory of its own, so reconciliation history does not leak between
    tests, nor between two builds of one test.
    """
    return _builder(landed_samples[0], modelled_samples, lambda: Path(tempfile.mkdtemp(dir=tmp_path)))


@pytest.fixture(scope="module")
def module_build_with(
    landed_samples: tuple[Settings, Path], modelled_samples: Path, tmp_path_factory: pytest.TempPathFactory
) -> Builder:
    """The same for a module's shared builds: each call gets a state directory of its own."""
    return _builder(landed_samples[0], modelled_samples, lambda: tmp_path_factory.mktemp("build"))

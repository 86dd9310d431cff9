"""Which build a landing makes: from the served warehouse when that was built with the same code, in
full otherwise or when asked; and what an incremental build lists to compute again. On the samples'
real landing (`landed_samples`); the whole transform on such builds is held to a full one's result in
test_incremental_builds.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.departments import DepartmentDirectory
from jixiao.runtime.ledger import Ledger
from jixiao.runtime.settings import Settings
from jixiao.stages.build import build_raw, built_with
from jixiao.stages.land import code_fingerprint


def _build(
    settings: Settings, target: Path, served: Path, *, code: str, full: bool = False
) -> dict[str, int]:
    return build_raw(
        target,
        settings.state.raw_zone,
        Ledger(settings.state.ledger_path),
        settings.state.reconciliation_dir,
        code=code,
        previous=served,
        full=full,
        departments=DepartmentDirectory.from_seed(settings.departments_seed),
    )


def _one(warehouse: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(query).fetchall()


@pytest.fixture
def served(landed_samples: tuple[Settings, Path], tmp_path: Path) -> Path:
    """The samples' raw build standing in for the served warehouse."""
    _settings, pristine = landed_samples
    return Path(shutil.copy2(pristine, tmp_path / "served.duckdb"))


def test_a_build_with_the_served_code_starts_from_the_served_warehouse(
    landed_samples: tuple[Settings, Path], served: Path, tmp_path: Path
) -> None:
    settings, _pristine = landed_samples
    code = code_fingerprint(settings)
    assert built_with(served) == code
    counts = _build(settings, tmp_path / "next.duckdb", served, code=code)
    assert counts["incremental"] == 1 and counts["documents_from_zone"] == 0
    assert _one(tmp_path / "next.duckdb", "select mode from meta.build_inputs") == [("incremental",)]
    # Nothing landed since: no version to compute again, every record kept.
    assert _one(tmp_path / "next.duckdb", "select count(*) from meta.build_changes") == [(0,)]
    for table in ("documents", "budget_lines", "indicators", "scores"):
        query = f"select count(*) from raw.{table}"
        assert _one(tmp_path / "next.duckdb", query) == _one(served, query)


@pytest.mark.parametrize("reason", ["another code", "asked for", "no code recorded"])
def test_a_build_is_made_in_full_otherwise(
    landed_samples: tuple[Settings, Path], served: Path, tmp_path: Path, reason: str
) -> None:
    settings, _pristine = landed_samples
    code = code_fingerprint(settings)
    if reason == "no code recorded":  # a warehouse built before builds recorded their code
        with duckdb.connect(str(served)) as connection:
            connection.execute("alter table meta.build_inputs drop column code")
        assert built_with(served) is None
    counts = _build(
        settings,
        tmp_path / "next.duckdb",
        served,
        code="another" if reason == "another code" else code,
        full=reason == "asked for",
    )
    assert counts["incremental"] == 0
    assert _one(tmp_path / "next.duckdb", "select mode from meta.build_inputs") == [("full",)]
    # Every landed version is computed again.
    assert _one(tmp_path / "next.duckdb", "select count(*) from meta.build_changes") == [(4,)]

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
from ingest.zone import RAW_TABLES
from jixiao.runtime.ledger import Ledger
from jixiao.runtime.settings import Settings
from jixiao.stages.build import build_raw, built_with, changed_sources
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


def test_an_incremental_build_names_the_sources_it_changed(
    landed_samples: tuple[Settings, Path], served: Path, tmp_path: Path
) -> None:
    """What the transform's `dbt test`s of an incremental night select from (dags/jixiao_transform.py)."""
    settings, _pristine = landed_samples
    build = tmp_path / "next.duckdb"
    _build(settings, build, served, code=code_fingerprint(settings))
    always = ["meta.build_changes", "raw.documents", "raw.quarantine"]
    always += ["reconciliation.document_rejections", "reconciliation.results"]
    assert changed_sources(build) == sorted(always)
    # The self-evaluation report again (say, parsed again): the tables holding its rows, not the forms'.
    with duckdb.connect(str(build)) as connection:
        connection.execute(
            "insert into meta.build_changes select document_sha256 from raw.documents"
            " where doc_type = 'self_evaluation'"
        )
    changed = changed_sources(build)
    assert "raw.scores" in changed and "raw.budget_lines" not in changed
    # A version gone from the build: the tables that held its rows are unknown, every one changed.
    with duckdb.connect(str(build)) as connection:
        connection.execute("insert into meta.build_changes values ('0' || repeat('f', 63))")
    assert {f"raw.{table.name}" for table in RAW_TABLES} <= set(changed_sources(build))

"""Claiming the landing's build for a transform run, on a real landing of the samples."""

from __future__ import annotations

import duckdb
import pytest

from jixiao.runtime.settings import Settings
from jixiao.runtime.warehouse import write_ahead_log
from jixiao.stages.land import land_all
from jixiao.stages.publish import claim_build


def test_a_retried_claim_gets_the_build_its_run_took(settings: Settings) -> None:
    land_all(settings)
    landed = settings.state.build_warehouse.read_bytes()
    claimed = claim_build(settings, "night_1")
    assert claimed == str(settings.state.transform_warehouse)
    assert not settings.state.build_warehouse.exists()
    # The claim task failed after its rename and Airflow runs it again: the same build, not "nothing new".
    assert claim_build(settings, "night_1") == claimed
    assert settings.state.transform_warehouse.read_bytes() == landed


def test_another_run_finds_no_build_to_claim(settings: Settings) -> None:
    land_all(settings)
    claim_build(settings, "night_1")
    # Nothing served yet: a transform with no build of its own is an error, not a quiet night.
    with pytest.raises(FileNotFoundError, match="run jixiao_landing first"):
        claim_build(settings, "night_2")


def test_a_killed_transforms_write_ahead_log_never_reaches_the_next_build(settings: Settings) -> None:
    """A transform killed before its build checkpointed leaves `<build>.wal`; the next claim puts the
    landing's build at that path, which must open as landed, not replay the dead build's log."""
    claimed = settings.state.transform_warehouse
    claimed.parent.mkdir(parents=True)
    with duckdb.connect(str(claimed)) as connection:
        connection.execute("set checkpoint_threshold = '1TB'")
        connection.execute("pragma disable_checkpoint_on_shutdown")
        connection.execute("create schema marts")
        connection.execute("create table marts.half_built as select 1 as row")
    assert write_ahead_log(claimed).exists()
    land_all(settings)
    claim_build(settings, "night_2")
    assert not write_ahead_log(claimed).exists()
    with duckdb.connect(str(claimed), read_only=True) as connection:
        schemas = {
            row[0] for row in connection.execute("select schema_name from duckdb_schemas()").fetchall()
        }
    assert "raw" in schemas and "marts" not in schemas

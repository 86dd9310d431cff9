"""Which SQLAlchemy pool settings of duckdb-engine read the next night, measured on real files: a
publication replaces the served file by a rename, and a connection kept open keeps the old one."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.bi.superset import readme_recipe


def publish(warehouse: Path, run_id: str) -> None:
    """A publication as jixiao makes one: a new file, renamed over the served one."""
    build = warehouse.with_suffix(".build")
    with duckdb.connect(str(build)) as connection:
        connection.execute("create schema meta")
        connection.execute("create table meta.publication as select ? as run_id", [run_id])
    os.replace(build, warehouse)


@pytest.mark.parametrize(
    ("pool", "reads_the_new_night"),
    [
        ({}, False),  # QueuePool: the pooled connection keeps the file it opened
        ({"pool_pre_ping": True}, False),  # the ping succeeds on the old file
        ({"pool_recycle": 1}, True),  # once the connection is older than the recycle time
        ({"poolclass": NullPool}, True),  # what Superset uses: a connection per query
    ],
)
def test_a_pool_reads_the_new_night_only_if_it_reconnects(
    tmp_path: Path, pool: dict[str, Any], reads_the_new_night: bool
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    publish(warehouse, "night_1")
    engine = create_engine(f"duckdb:///{warehouse}", **readme_recipe(), **pool)
    query = text("select run_id from meta.publication")
    with engine.connect() as connection:
        assert connection.execute(query).scalar() == "night_1"
    publish(warehouse, "night_2")
    time.sleep(1.1)
    with engine.connect() as connection:
        seen = connection.execute(query).scalar()
    engine.dispose()
    assert seen == ("night_2" if reads_the_new_night else "night_1")

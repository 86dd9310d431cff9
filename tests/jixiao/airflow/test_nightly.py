"""The in-process night's own settings of Airflow: its SQLite metadata DB commits without an fsync
each (synchronous NORMAL in WAL mode), in the sync engine and the async one alike."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import program_output

PROGRAM = """
import asyncio, json
from sqlalchemy import text
from airflow import settings
from jixiao.airflow.nightly import sqlite_commits_without_fsync

def levels():
    with settings.engine.connect() as connection:
        sync = connection.execute(text("pragma synchronous")).scalar()
        journal = connection.execute(text("pragma journal_mode")).scalar()
    async def read():
        async with settings.async_engine.connect() as connection:
            level = (await connection.execute(text("pragma synchronous"))).scalar()
        await settings.async_engine.dispose()
        return level
    return [sync, asyncio.run(read()), journal]

before = levels()
sqlite_commits_without_fsync()
print(json.dumps({"before": before, "after": levels()}))
"""


def test_the_night_commits_to_sqlite_without_an_fsync_each(tmp_path: Path) -> None:
    environment = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    environment.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)
    levels = program_output(PROGRAM, env=environment, timeout=180)
    # SQLite's synchronous levels: 2 FULL (an fsync per commit), 1 NORMAL.
    assert levels == {"before": [2, 2, "wal"], "after": [1, 1, "wal"]}

"""A Parquet copy of every mart at each publication, for tools that read files instead of DuckDB.

Each publication writes a new folder `<export_dir>/<published_at>/` (one `<table>.parquet` per
table of the `marts` schema), then points the symlink `<export_dir>/current` at it with one atomic
rename. A reader that lists `current/` gets one publication's files, never a mix; the previous
folders stay for readers still reading them (the newest KEEP are kept).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.sql_text import identifier, string_literal

KEEP = 3
CURRENT = "current"


def export_marts(connection: duckdb.DuckDBPyConnection, export_dir: Path, version: str) -> Path:
    """Write the marts of the open build into a new version folder; returns it (not yet current)."""
    target = export_dir / version
    building = export_dir / f".{version}.building"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    tables = connection.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' order by table_name"
    ).fetchall()
    for (table,) in tables:
        path = building / f"{table}.parquet"
        connection.execute(f"copy marts.{identifier(table)} to {string_literal(path)} (format parquet)")
        pause_at("export.partial")
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target


def make_current(export_dir: Path, version_dir: Path) -> None:
    link = export_dir / CURRENT
    temporary = export_dir / f".{CURRENT}.new"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(version_dir.name)  # relative: the folder can move with its exports
    os.replace(temporary, link)
    versions = sorted(
        p for p in export_dir.iterdir() if p.is_dir() and not p.is_symlink() and p.name[0] != "."
    )
    for old in versions[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    # Half-written folders of publications killed before their rename: never served, never finished.
    for leftover in export_dir.glob(".*.building"):
        shutil.rmtree(leftover, ignore_errors=True)

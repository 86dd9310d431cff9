"""A file release of every mart at each publication, for tools that read files instead of DuckDB.

Each publication writes a new folder `<export_dir>/<published_at>/`: one `<table>.parquet` per
table of the `marts` schema (its description and its columns' in the file's key-value metadata),
and `csv/`, an open data release: one `<table>.csv` per mart (UTF-8 with a byte-order mark, for
Excel) described by `csv/datapackage.json` (`jixiao.stages.release`). Then it points the symlink
`<export_dir>/current` at the folder with one atomic rename. A reader that lists `current/` gets
one publication's files, never a mix; the previous folders stay for readers still reading them
(the newest KEEP are kept).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.sql_text import identifier, string_literal
from jixiao.stages.release import CSV_TIMESTAMP_FORMAT, Mart, datapackage, describe_marts

KEEP = 3
CURRENT = "current"
CSV_FOLDER = "csv"
PACKAGE_FILE = "datapackage.json"


def export_marts(
    connection: duckdb.DuckDBPyConnection, export_dir: Path, version: str, run_id: str, published_at: str
) -> Path:
    """Write the marts of the open build into a new version folder; returns it (not yet current)."""
    target = export_dir / version
    building = export_dir / f".{version}.building"
    shutil.rmtree(building, ignore_errors=True)
    (building / CSV_FOLDER).mkdir(parents=True)
    marts = describe_marts(connection)
    for mart in marts:
        _write_parquet(connection, mart, building / f"{mart.name}.parquet")
        pause_at("export.partial")
        _write_csv(connection, mart, building / CSV_FOLDER / f"{mart.name}.csv")
    package = datapackage(marts, run_id, published_at)
    (building / CSV_FOLDER / PACKAGE_FILE).write_text(
        json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    shutil.rmtree(target, ignore_errors=True)
    building.rename(target)
    return target


def _write_parquet(connection: duckdb.DuckDBPyConnection, mart: Mart, path: Path) -> None:
    metadata = ", ".join(
        f"{string_literal(key)}: {string_literal(value)}" for key, value in mart.parquet_metadata().items()
    )
    connection.execute(
        f"copy marts.{identifier(mart.name)} to {string_literal(path)}"
        f" (format parquet, kv_metadata {{{metadata}}})"
    )


def _write_csv(connection: duckdb.DuckDBPyConnection, mart: Mart, path: Path) -> None:
    """DuckDB writes the rows (decimals exact, a null an empty cell); the byte-order mark goes first."""
    body = path.with_suffix(".body")
    connection.execute(
        f"copy marts.{identifier(mart.name)} to {string_literal(body)}"
        f" (format csv, header, timestampformat {string_literal(CSV_TIMESTAMP_FORMAT)})"
    )
    with path.open("wb") as release, body.open("rb") as rows:
        release.write("\ufeff".encode())
        shutil.copyfileobj(rows, release)
    body.unlink()


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

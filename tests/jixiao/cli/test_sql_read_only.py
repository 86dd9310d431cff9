"""`jixiao sql` reads the warehouse and nothing else: every way DuckDB has of writing, of reading
other files or the network, and of changing its own configuration is refused with exit code 2."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from jixiao.cli import main


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.amounts as select 1.5::decimal(38, 4) as amount_wan_yuan")
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_select_is_answered(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = "select amount_wan_yuan from marts.amounts"
    code = main(["sql", query, "--format", "csv", "--warehouse", str(warehouse)])
    assert code == 0
    assert capsys.readouterr().out.splitlines() == ["amount_wan_yuan", "1.5000"]


@pytest.mark.parametrize(
    "statement",
    [
        "delete from marts.amounts",
        "create table marts.more (a integer)",
        "copy (select 1) to '{outside}/copied.csv'",
        "copy marts.amounts to '{outside}/copied.parquet' (format parquet)",
        "export database '{outside}/exported'",
        "select * from read_csv('{outside}/secret.csv')",
        "select * from '{outside}/secret.csv'",
        "select * from read_text('/etc/hostname')",
        "attach '{outside}/other.duckdb' as other",
        "install httpfs",
        "load httpfs",
        "select * from read_csv('https://example.com/data.csv')",
        "set enable_external_access = true",
        "set lock_configuration = false",
        "set memory_limit = '64GB'",
    ],
)
def test_everything_else_is_refused(
    statement: str, warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\n42\n", encoding="utf-8")
    before = _digest(warehouse)

    code = main(["sql", statement.format(outside=outside), "--warehouse", str(warehouse)])

    captured = capsys.readouterr()
    assert code == 2, captured.out
    assert captured.err.startswith("jixiao sql: ") and len(captured.err.strip().splitlines()) == 1
    assert "42" not in captured.out
    assert sorted(path.name for path in outside.iterdir()) == ["secret.csv"]
    assert _digest(warehouse) == before

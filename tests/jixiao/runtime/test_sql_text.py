"""Paths from settings reach DuckDB statements that take no parameters (COPY … TO, ATTACH): a quote
in a folder name must stay part of the path."""

from __future__ import annotations

import dataclasses
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb

from jixiao.runtime.settings import Settings
from jixiao.stages.export import export_marts
from jixiao.stages.land import land_all


def test_marts_export_to_a_folder_with_a_quote_in_its_name(tmp_path: Path) -> None:
    export_dir = tmp_path / "it's exports"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        connection.execute("create schema marts")
        connection.execute('create table marts."odd\'name" as select 1.25::decimal(38, 4) as amount')
        version = export_marts(connection, export_dir, "v1", "run_1", "2026-11-25T00:00:00+00:00")
        assert connection.execute(
            "select amount from read_parquet(?)", [str(version / "odd'name.parquet")]
        ).fetchall() == [(Decimal("1.2500"),)]


def test_a_build_copies_from_a_served_warehouse_whose_path_has_a_quote(settings: Settings) -> None:
    quoted = dataclasses.replace(settings, warehouse=settings.warehouse.parent / "o'brien" / "served.duckdb")
    land_all(quoted)
    quoted.warehouse.parent.mkdir(parents=True)
    shutil.copy2(quoted.state.build_warehouse, quoted.warehouse)  # as if published
    extra = quoted.landing_dir / "2023" / "copy_of_form.pdf"
    extra.write_bytes(
        (quoted.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf").read_bytes() + b"\n%"
    )
    summary = land_all(quoted)
    assert summary.rows["documents_from_zone"] == 1  # the other four read through the ATTACH

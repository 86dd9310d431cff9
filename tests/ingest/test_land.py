"""Landing into a real DuckDB file: idempotent, quarantining, never losing what was landed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pypdf
import pytest

from ingest.pipeline import land_all
from ingest.settings import Settings


@pytest.fixture
def settings(landing: Path, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        Settings.from_env(), landing_dir=landing, warehouse=tmp_path / "warehouse.duckdb"
    )


def snapshot(warehouse: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: connection.execute(
                f"select * exclude (landed_at) from raw.{table} order by all"
                if table == "documents"
                else f"select * from raw.{table} order by all"
            ).fetchall()
            for table in ("documents", "budget_lines", "projects", "facts")
        }


def quarantine_rows(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute("select source_path, error_type from raw.quarantine order by 1").fetchall()


def test_lands_every_sample_with_exact_amounts(settings: Settings) -> None:
    summary = land_all(settings)
    assert len(summary.landed) == 4 and summary.quarantined == {}
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        amount = connection.execute(
            """
            select b.amount_wan_yuan from raw.budget_lines b join raw.documents d using (document_sha256)
            where d.department_name like '%黄埔%' and d.fiscal_year = 2023 and b.label = '财政拨款'
            """
        ).fetchone()
        counts = connection.execute(
            "select (select count(*) from raw.budget_lines), (select count(*) from raw.projects)"
        ).fetchone()
    assert amount is not None and str(amount[0]) == "364607.2000"
    assert counts == (18, 26)  # 8 + 8 form lines and the unit total's 2; 26 projects


def test_landing_twice_changes_nothing(settings: Settings) -> None:
    land_all(settings)
    first = snapshot(settings.warehouse)
    land_all(settings)
    assert snapshot(settings.warehouse) == first


def test_bad_document_is_quarantined_and_the_rest_lands(settings: Settings) -> None:
    (settings.landing_dir / "2023" / "broken.pdf").write_text("<html>503</html>", encoding="utf-8")
    summary = land_all(settings)
    assert sorted(summary.landed) == sorted(
        p.relative_to(settings.landing_dir).as_posix()
        for p in settings.landing_dir.rglob("*.pdf")
        if p.name != "broken.pdf"
    )
    assert list(summary.quarantined) == ["2023/broken.pdf"]
    assert "broken.pdf: not a PDF" in summary.quarantined["2023/broken.pdf"]
    assert quarantine_rows(settings.warehouse) == [("2023/broken.pdf", "NotAPdf")]


def test_corrupted_republication_keeps_what_was_landed(settings: Settings) -> None:
    land_all(settings)
    before = snapshot(settings.warehouse)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    form.write_bytes(form.read_bytes()[:2048])
    land_all(settings)
    assert snapshot(settings.warehouse) == before
    assert quarantine_rows(settings.warehouse) == [("2023/huangpu_2023_dept_target_form.pdf", "NotAPdf")]


def test_new_bytes_under_the_same_name_replace_the_old_version(settings: Settings) -> None:
    land_all(settings)
    form = settings.landing_dir / "2023" / "huangpu_2023_dept_target_form.pdf"
    old_rows = snapshot(settings.warehouse)
    pypdf.PdfWriter(clone_from=form).write(form)  # same content, new bytes: a re-publication
    land_all(settings)
    new_rows = snapshot(settings.warehouse)
    assert len(new_rows["documents"]) == len(old_rows["documents"]) == 4
    assert new_rows["documents"] != old_rows["documents"]
    assert len(new_rows["budget_lines"]) == len(old_rows["budget_lines"])
    assert quarantine_rows(settings.warehouse) == []

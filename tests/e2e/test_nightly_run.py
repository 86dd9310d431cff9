"""The nightly chain through Airflow (`jixiao run`) in a fresh Airflow home and warehouse: what each
night prints, lands, publishes and exports, and how BI tools read the result (the story's nights,
tests/e2e/conftest.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from jixiao.airflow.dbt_build import NOTHING_TO_BUILD
from jixiao.runtime.ledger import Ledger
from tests.conftest import bin_path
from tests.e2e.conftest import Story, in_order

pytestmark = pytest.mark.night

SUCCEEDED = ("concurrent_a", "concurrent_b", "cleaned_up")


def mart_amount(warehouse: Path, department_like: str, year: int, label: str) -> Decimal:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            """
            select amount_wan_yuan from marts.mart_budget_overview
            where department_name_printed like ? and fiscal_year = ? and measure = ?
              and measure_group = 'budget_line'
            """,
            [department_like, year, label],
        ).fetchall()
    assert len(rows) == 1, rows
    return Decimal(rows[0][0])


def test_each_night_succeeds_and_prints_the_mart(story: Story) -> None:
    for name in SUCCEEDED:
        night = story.nights[name]
        assert night.returncode == 0, night.output[-4000:]
        assert "mart_budget_overview" in night.output
        assert "364,607.20" in night.output
    first, second = in_order(story)
    assert "4 new, 0 unchanged, 0 superseded, 1 quarantined" in first.output
    assert "0 new, 4 unchanged, 0 superseded, 1 quarantined" in second.output  # the broken file again
    # Once the broken file is gone, a night finds nothing to parse at all.
    assert "0 new, 4 unchanged, 0 superseded, 0 quarantined" in story.nights["cleaned_up"].output
    for night in (first, story.nights["cleaned_up"]):  # checks 1-9: only 黄埔's task-fund gap warns
        assert "checks: 14 passed, 1 warned, 0 failed, 7 not applicable" in night.output
    # The second found what the first published (the same documents, the same broken file):
    # nothing to rebuild, check or publish.
    assert "nothing changed since the publication of" in second.output
    assert "checks: not run (nothing changed)" in second.output
    assert story.digests[second.name] == story.digests[first.name]


def test_mart_holds_exact_amounts(story: Story) -> None:
    assert mart_amount(story.warehouse, "%黄埔区%", 2023, "财政拨款") == Decimal("364607.20")
    assert mart_amount(story.warehouse, "广州市科学技术局", 2023, "财政专项资金") == Decimal("470390.56")


def test_broken_document_is_quarantined_and_reported(story: Story) -> None:
    assert all("broken.pdf" in night.output for night in in_order(story))
    assert "1 quarantined" in in_order(story)[0].output
    # Removed from the landing folder, it leaves the quarantine; the ledger keeps it, withdrawn.
    with duckdb.connect(str(story.warehouse), read_only=True) as connection:
        quarantined = connection.execute("select source_path, error_type from raw.quarantine").fetchall()
    assert quarantined == []
    statuses = {
        entry.source_path: entry.status
        for entry in Ledger(story.root / "state" / "ledger.sqlite").entries().values()
    }
    assert statuses["2023/broken.pdf"] == "withdrawn"


def test_a_night_with_nothing_new_changes_nothing(story: Story) -> None:
    first, again = story.marts["concurrent_a"], story.marts["concurrent_b"]
    assert again == first
    lines = [row for row in first if row["measure_group"] in ("budget_line", "project_table_total")]
    assert len(lines) == 18  # 8 + 8 form lines and the project table's unit total (2)
    assert len({row["document_sha256"] for row in first}) == 3


def test_the_airflow_home_is_the_story_own_and_migrated_by_the_first_night(story: Story) -> None:
    """`jixiao run` migrates an Airflow home it finds empty: the one its environment names, not the
    developer's nor the test session's."""
    home = Path(story.env["AIRFLOW_HOME"])
    assert home.parent == story.root and (home / "airflow.db").stat().st_size > 0
    assert Path(os.environ["AIRFLOW_HOME"]) != home
    assert (home / ".jixiao-ready").exists()


def test_dbt_reuses_its_parse_of_the_project_from_night_to_night(story: Story) -> None:
    """dbt's partial-parse cache is kept in the state folder, valid for the build it names: the
    crash story's nights, on another state folder at the same time, do not invalidate it."""
    assert list((story.root / "state" / "cosmos").rglob("partial_parse.msgpack"))
    log = story.logs["rejected"]  # a night that builds, incrementally, after the first night built
    # One `dbt build` per group the build makes again, each handed to the night's dbt server by
    # `jixiao-dbt`: not the group of views, which an incremental build does not make (its tests run
    # with the marts).
    programs = re.findall(r"Trying to run the command:\s*\[\s*'([^']*)'", log)
    assert len(programs) == 2 and {Path(program).name for program in programs} == {"jixiao-dbt"}
    assert NOTHING_TO_BUILD in log
    assert "Unable to do partial parsing" not in log


def test_an_incremental_night_builds_only_the_tables(story: Story) -> None:
    """A build made from the served warehouse holds the seeds and views the same dbt project made:
    its `dbt build`s make the tables alone, and test what the build changed."""
    incremental = story.logs["rejected"]
    assert "START seed file" not in incremental and "START sql view model" not in incremental
    assert "START sql incremental model" in incremental and "START sql table model" in incremental
    # 黄埔's form was re-printed: the tests of the documents' rows run, not those of a seed.
    assert "PASS identified_rows_stg_raw__documents" in incremental
    assert "accepted_values_budget_identities_side__observed__expected" not in incremental


def test_every_view_of_the_published_warehouse_resolves(story: Story) -> None:
    """dbt's views name the build's catalog: the build is made under the served file's name."""
    with duckdb.connect(str(story.warehouse), read_only=True) as connection:
        views = connection.execute(
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        assert ("audit", "audit_cross_document_checks") in views
        for schema, view in views:
            connection.execute(f'select count(*) from "{schema}"."{view}"').fetchone()


def test_each_night_records_its_reconciliation_results(story: Story) -> None:
    with duckdb.connect(str(story.warehouse), read_only=True) as connection:
        runs = connection.execute(
            """
            select run_id,
                count(*) filter (where outcome = 'failed'),
                count(*) filter (where outcome = 'warned'),
            from reconciliation.results group by run_id order by min(checked_at)
            """
        ).fetchall()
    # The first concurrent night, cleaned_up and rejected: the second concurrent night and the
    # night after `rejected` changed nothing.
    assert len(runs) == 3
    # 黄埔's key-task gap warns once per landed version of its form (every version is checked):
    # one version until `rejected` lands a second, which fails its budget identity.
    assert [(failed, warned) for _, failed, warned in runs] == [(0, 1), (0, 1), (1, 2)]


def test_each_publication_exports_the_marts_to_parquet_and_csv(story: Story) -> None:
    exports = story.root / "exports"
    current = exports / "current"
    assert current.is_symlink()
    versions = sorted(p.name for p in exports.iterdir() if p.is_dir() and not p.is_symlink())
    assert len(versions) == 3 and current.resolve().name == versions[-1]  # the last three are kept
    with duckdb.connect(str(story.warehouse), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        served = connection.execute(
            "select sum(amount_wan_yuan), count(*) from marts.mart_budget_overview"
        ).fetchone()
        run_id = connection.execute("select run_id from meta.publication").fetchone()[0]  # type: ignore[index]
        exported = connection.execute(
            "select sum(amount_wan_yuan), count(*) from read_parquet(?)",
            [str(current / "mart_budget_overview.parquet")],
        ).fetchone()
    assert {p.stem for p in current.glob("*.parquet")} == tables
    assert exported == served  # exact: DECIMAL in, DECIMAL out
    assert run_id.startswith("manual__")
    # The open data release of the same publication: one CSV per mart, described by its package.
    package = json.loads((current / "csv" / "datapackage.json").read_text(encoding="utf-8"))
    assert run_id in package["description"]
    assert {resource["name"] for resource in package["resources"]} == tables
    assert {p.stem for p in (current / "csv").glob("*.csv")} == tables


def test_jixiao_sql_reads_the_served_warehouse_read_only(story: Story) -> None:
    query = (
        "select fiscal_year, amount_wan_yuan from marts.mart_budget_overview"
        " where measure = '财政拨款' and department_name_printed like '%黄埔%'"
    )
    shown = subprocess.run(
        [bin_path("jixiao"), "sql", query, "--format", "csv"], env=story.env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["fiscal_year,amount_wan_yuan", "2023,364607.2000"]
    refused = subprocess.run(
        [bin_path("jixiao"), "sql", "delete from marts.mart_budget_overview"],
        env=story.env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "read-only" in refused.stderr


def test_bi_connections_read_every_mart_and_cannot_write(story: Story) -> None:
    """The settings the README gives BI tools: Superset's SQLAlchemy URI through duckdb-engine with
    its engine parameters, and the access_mode=READ_ONLY setting Metabase's and DBeaver's DuckDB
    drivers pass on."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from tests.bi.superset import readme_recipe

    engine = create_engine(f"duckdb:///{story.warehouse}", poolclass=NullPool, **readme_recipe())
    with engine.connect() as connection:
        marts = [
            row[0]
            for row in connection.execute(
                text("select table_name from duckdb_tables() where schema_name = 'marts'")
            )
        ]
        assert "mart_high_tech_enterprise_trend" in marts
        for mart in marts:
            connection.execute(text(f'select * from marts."{mart}" limit 5')).fetchall()
        with pytest.raises(Exception, match="read-only"):
            connection.execute(text("delete from marts.mart_budget_overview"))
    engine.dispose()
    with duckdb.connect(str(story.warehouse), config={"access_mode": "READ_ONLY"}) as connection:
        assert connection.execute("select count(*) from marts.mart_indicator_trend").fetchone()[0] > 0  # type: ignore[index]
        with pytest.raises(duckdb.Error, match="read-only"):
            connection.execute("create table marts.scratch (a integer)")


def test_each_refresh_writes_the_html_report(story: Story) -> None:
    html = story.warehouse.with_name("report.html").read_text(encoding="utf-8")
    assert all(heading in html for heading in ("高新技术企业趋势", "指标目标达成", "预算概览", "对账检查"))
    assert "<script src=" not in html  # self-contained: plotly.js is inlined

"""The whole nightly DAG through `airflow dags test` (`jixiao run`), in a fresh Airflow home and warehouse."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import bin_path, copy_samples, jixiao_env

pytestmark = pytest.mark.night


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
    return rows[0][0]


def mart_rows(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            """
            select document_sha256, department_name_printed, fiscal_year, measure_group, measure,
                amount_wan_yuan
            from marts.mart_budget_overview order by all
            """
        ).fetchall()


@pytest.fixture(scope="module")
def nightly(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run `jixiao run` twice over the samples plus one broken download."""
    root = tmp_path_factory.mktemp("nightly")
    landing = copy_samples(root / "landing")
    (landing / "2023" / "broken.pdf").write_text("<html>502 Bad Gateway</html>", encoding="utf-8")
    env = jixiao_env(root)
    runs, snapshots = [], []
    for night in range(3):
        if night == 2:  # the third night has nothing to parse at all: the broken file is gone
            (landing / "2023" / "broken.pdf").unlink()
        runs.append(
            subprocess.run([bin_path("jixiao"), "run", "--quiet"], env=env, capture_output=True, text=True)
        )
        snapshots.append(mart_rows(root / "warehouse.duckdb"))
    return {
        "runs": runs,
        "snapshots": snapshots,
        "warehouse": root / "warehouse.duckdb",
        "exports": root / "exports",
        "airflow_home": root / "airflow",
        "env": env,
    }


def test_dag_run_succeeds_and_prints_the_mart(nightly: dict[str, object]) -> None:
    for run in nightly["runs"]:  # type: ignore[attr-defined]
        assert run.returncode == 0, run.stderr[-3000:] + run.stdout[-3000:]
        assert "mart_budget_overview" in run.stdout
        assert "364,607.20" in run.stdout
    first, second, third = nightly["runs"]  # type: ignore[misc]
    assert "4 new, 0 unchanged, 0 superseded, 1 quarantined" in first.stdout
    assert "0 new, 4 unchanged, 0 superseded, 1 quarantined" in second.stdout
    assert "0 new, 4 unchanged, 0 superseded, 0 quarantined" in third.stdout
    for run in (first, second, third):  # checks 1-9 on the samples: only 黄埔's task-fund gap warns
        assert "checks: 13 passed, 1 warned, 0 failed, 1 not applicable" in run.stdout


def test_mart_holds_exact_amounts(nightly: dict[str, object]) -> None:
    warehouse = nightly["warehouse"]
    assert mart_amount(warehouse, "%黄埔区%", 2023, "财政拨款") == Decimal("364607.20")
    assert mart_amount(warehouse, "广州市科学技术局", 2023, "财政专项资金") == Decimal("470390.56")


def test_broken_document_is_quarantined_and_reported(nightly: dict[str, object]) -> None:
    with duckdb.connect(str(nightly["warehouse"]), read_only=True) as connection:
        quarantined = connection.execute("select source_path, error_type from raw.quarantine").fetchall()
    assert quarantined == [("2023/broken.pdf", "NotAPdf")]
    assert "broken.pdf" in nightly["runs"][1].stdout  # type: ignore[index]


def test_second_run_changes_nothing(nightly: dict[str, object]) -> None:
    first, second, third = nightly["snapshots"]  # type: ignore[misc]
    assert second == first and third == first
    lines = [row for row in first if row[3] in ("budget_line", "project_table_total")]
    assert len(lines) == 18  # 8 + 8 form lines and the project table's unit total (2)
    assert len({row[0] for row in first}) == 3


def test_airflow_home_is_the_test_run_own(nightly: dict[str, object]) -> None:
    assert (nightly["airflow_home"] / "airflow.db").exists()  # type: ignore[operator]


def test_every_view_of_the_published_warehouse_resolves(nightly: dict[str, object]) -> None:
    """dbt's views name the build's catalog: the build is made under the served file's name."""
    with duckdb.connect(str(nightly["warehouse"]), read_only=True) as connection:
        views = connection.execute(
            "select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
        assert ("audit", "audit_document_checks") in views
        for schema, view in views:
            connection.execute(f'select count(*) from "{schema}"."{view}"').fetchone()


def test_each_night_records_its_reconciliation_results(nightly: dict[str, object]) -> None:
    with duckdb.connect(str(nightly["warehouse"]), read_only=True) as connection:
        runs = connection.execute(
            """
            select run_id, count(*) filter (where outcome = 'failed'),
                count(*) filter (where outcome = 'warned')
            from reconciliation.results group by run_id
            """
        ).fetchall()
    assert len(runs) == 3
    assert {(failed, warned) for _, failed, warned in runs} == {(0, 1)}


def test_each_publication_exports_the_marts_to_parquet(nightly: dict[str, object]) -> None:
    exports: Path = nightly["exports"]  # type: ignore[assignment]
    current = exports / "current"
    assert current.is_symlink()
    versions = sorted(p.name for p in exports.iterdir() if p.is_dir() and not p.is_symlink())
    assert len(versions) == 3 and current.resolve().name == versions[-1]
    with duckdb.connect(str(nightly["warehouse"]), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        served = connection.execute(
            "select sum(amount_wan_yuan), count(*) from marts.mart_budget_overview"
        ).fetchone()
        run_id = connection.execute("select run_id from meta.publication").fetchone()[0]
        exported = connection.execute(
            "select sum(amount_wan_yuan), count(*) from read_parquet(?)",
            [str(current / "mart_budget_overview.parquet")],
        ).fetchone()
    assert {p.stem for p in current.glob("*.parquet")} == tables
    assert exported == served  # exact: DECIMAL in, DECIMAL out
    assert run_id.startswith("manual__")


def test_jixiao_sql_reads_the_served_warehouse_read_only(nightly: dict[str, object]) -> None:
    env: dict[str, str] = nightly["env"]  # type: ignore[assignment]
    query = (
        "select fiscal_year, amount_wan_yuan from marts.mart_budget_overview"
        " where measure = '财政拨款' and department_name_printed like '%黄埔%'"
    )
    shown = subprocess.run(
        [bin_path("jixiao"), "sql", query, "--format", "csv"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["fiscal_year,amount_wan_yuan", "2023,364607.2000"]
    refused = subprocess.run(
        [bin_path("jixiao"), "sql", "delete from marts.mart_budget_overview"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "read-only" in refused.stderr


def test_bi_connections_read_every_mart_and_cannot_write(nightly: dict[str, object]) -> None:
    """The settings the README gives BI tools: Superset's SQLAlchemy URI through duckdb-engine with
    read_only, and the access_mode=READ_ONLY setting Metabase's and DBeaver's DuckDB drivers pass on."""
    from sqlalchemy import create_engine, text

    warehouse = nightly["warehouse"]
    engine = create_engine(f"duckdb:///{warehouse}", connect_args={"read_only": True})
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
    with duckdb.connect(str(warehouse), config={"access_mode": "READ_ONLY"}) as connection:
        assert connection.execute("select count(*) from marts.mart_indicator_trend").fetchone()[0] > 0
        with pytest.raises(duckdb.Error, match="read-only"):
            connection.execute("create table marts.scratch (a integer)")


def test_each_refresh_writes_the_html_report(nightly: dict[str, object]) -> None:
    report = Path(str(nightly["warehouse"])).with_name("report.html")
    html = report.read_text(encoding="utf-8")
    assert all(heading in html for heading in ("高新技术企业趋势", "指标目标达成", "预算概览", "对账检查"))
    assert "<script src=" not in html  # self-contained: plotly.js is inlined

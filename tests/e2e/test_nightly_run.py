"""The whole nightly DAG through `airflow dags test` (`jixiao run`), in a fresh Airflow home and warehouse."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import bin_path

pytestmark = pytest.mark.slow


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
    landing = root / "landing"
    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    for pdf in samples.rglob("*.pdf"):
        target = landing / pdf.relative_to(samples)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pdf.read_bytes())
    (landing / "2023" / "broken.pdf").write_text("<html>502 Bad Gateway</html>", encoding="utf-8")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),  # not migrated yet: `jixiao run` must do it
        "JIXIAO_LANDING_DIR": str(landing),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
    }
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
        "airflow_home": root / "airflow",
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
            from audit.reconciliation_results group by run_id
            """
        ).fetchall()
    assert len(runs) == 3
    assert {(failed, warned) for _, failed, warned in runs} == {(0, 1)}

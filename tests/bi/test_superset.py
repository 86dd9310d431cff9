"""Superset as its users run it, on the warehouse real nights publish: the database added through
Superset's API with the README's recipe, the marts browsed the way a dataset is made (schemas,
tables, columns with their comments), a dataset and a chart on mart_high_tech_enterprise_trend,
SQL Lab; reads throughout a refresh, and the new publication seen on the next query; the escapes
the recipe closes; the dashboard shipped in bi/superset/ imported and read."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.bi.superset import BUNDLE, SUPERSET_VENV, Superset, readme_recipe
from tests.conftest import NIGHTS_TIMEOUT_SECONDS, SAMPLE_FILES
from tests.deploy.stack import free_port
from tests.e2e.conftest import Story, Teller, _republish, add_samples, new_story, start

pytestmark = [pytest.mark.bi, pytest.mark.timeout(NIGHTS_TIMEOUT_SECONDS)]

TREND = "mart_high_tech_enterprise_trend"
BUNDLE_DATABASE = yaml.safe_load((BUNDLE / "databases" / "jixiao_warehouse.yaml").read_text(encoding="utf-8"))


@dataclass
class Lab:
    superset: Superset
    story: Story
    database_id: int
    chart_id: int
    run_before: str
    run_after: str = ""
    # Every read made while the refresh ran: (what, HTTP status, run id or error).
    reads_during_refresh: list[tuple[str, int, str]] = field(default_factory=list)
    run_seen_after: str = ""


def run_id_of(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (run_id,) = connection.execute("select run_id from meta.publication").fetchone() or ("",)
    return str(run_id)


def sql_lab_run_id(superset: Superset, database_id: int) -> tuple[int, str]:
    response = superset.sql_lab(database_id, "select run_id from meta.publication")
    if response.status_code != 200:
        return response.status_code, response.text[:300]
    return 200, str(response.json()["data"][0]["run_id"])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if not (SUPERSET_VENV / "bin" / "superset").exists():
        pytest.fail("Superset is not installed: run `make test-bi` (it installs .tools/superset)")
    story = new_story(tmp_path_factory, "superset")
    superset = Superset(story.root / "superset", free_port())
    superset.bootstrap()
    superset.start()
    try:
        add_samples(story.landing, *SAMPLE_FILES)
        teller = Teller(story)
        first = teller.night("first")
        assert first.returncode == 0, first.output[-3000:]

        # The README's recipe, under the bundle's database uuid so that the shipped dashboard binds
        # to this database when it is imported (Superset keeps an existing database on import).
        database = superset.call(
            "POST",
            "/api/v1/database/",
            expect=201,
            json={
                "database_name": "jixiao_warehouse",
                "sqlalchemy_uri": f"duckdb:///{story.warehouse}",
                "extra": json.dumps({"engine_params": readme_recipe()}),
                "uuid": BUNDLE_DATABASE["uuid"],
            },
        )
        database_id = int(database["id"])
        dataset = superset.call(
            "POST",
            "/api/v1/dataset/",
            expect=201,
            json={"database": database_id, "schema": "marts", "table_name": TREND},
        )
        chart_id = create_chart(superset, int(dataset["id"]))
        lab = Lab(superset, story, database_id, chart_id, run_before=run_id_of(story.warehouse))

        # A refresh: every document re-published with new bytes; a dashboard reads throughout.
        for pdf in sorted(story.landing.rglob("*.pdf")):
            _republish(pdf)
        process = start(story.env, story.root / "refresh.out")
        while process.poll() is None:
            status, seen = sql_lab_run_id(superset, database_id)
            lab.reads_during_refresh.append(("sql_lab", status, seen))
            chart = superset.session.get(f"{superset.url}/api/v1/chart/{chart_id}/data/", timeout=120)  # type: ignore[union-attr]
            lab.reads_during_refresh.append(
                ("chart", chart.status_code, "" if chart.ok else chart.text[:300])
            )
            time.sleep(0.5)
        assert process.returncode == 0, (story.root / "refresh.out").read_text(errors="replace")[-3000:]
        lab.run_after = run_id_of(story.warehouse)
        _, lab.run_seen_after = sql_lab_run_id(superset, database_id)
        yield lab
    finally:
        superset.stop()


def create_chart(superset: Superset, dataset_id: int) -> int:
    """A table chart of the trend, as Explore saves one: its form data and its query context."""
    metrics = [
        {"expressionType": "SIMPLE", "column": {"column_name": name}, "aggregate": "MAX", "label": name}
        for name in ("target_value", "actual_value")
    ]
    columns = ["department_label", "fiscal_year", "measure_code"]
    form_data = {
        "viz_type": "table",
        "datasource": f"{dataset_id}__table",
        "query_mode": "aggregate",
        "groupby": columns,
        "metrics": metrics,
        "row_limit": 1000,
    }
    query_context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": columns, "metrics": metrics, "row_limit": 1000}],
        "form_data": form_data,
        "result_format": "json",
        "result_type": "full",
    }
    chart = superset.call(
        "POST",
        "/api/v1/chart/",
        expect=201,
        json={
            "slice_name": "高企 per district and year",
            "viz_type": "table",
            "datasource_id": dataset_id,
            "datasource_type": "table",
            "params": json.dumps(form_data),
            "query_context": json.dumps(query_context),
        },
    )
    return int(chart["id"])


def warehouse_marts(warehouse: Path) -> dict[str, dict[str, str]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
    marts: dict[str, dict[str, str]] = {}
    for table, column, comment in rows:
        marts.setdefault(table, {})[column] = comment
    return marts


def test_the_marts_are_listed_with_every_column_and_its_comment(lab: Lab) -> None:
    """The dataset path: schemas, the schema's tables, each table's columns (SQLAlchemy 1.4's
    inspector through duckdb-engine, inside Superset)."""
    superset, database = lab.superset, lab.database_id
    schemas = superset.call("GET", f"/api/v1/database/{database}/schemas/")["result"]
    assert any(schema.split(".")[-1] == "marts" for schema in schemas), schemas
    tables = superset.call("GET", f"/api/v1/database/{database}/tables/", params={"q": "(schema_name:marts)"})
    marts = warehouse_marts(lab.story.warehouse)
    assert {table["value"] for table in tables["result"]} == set(marts)
    for mart, columns in marts.items():
        metadata = superset.call(
            "GET", f"/api/v1/database/{database}/table_metadata/", params={"name": mart, "schema": "marts"}
        )
        assert {column["name"]: column["comment"] for column in metadata["columns"]} == columns, mart
        assert metadata["comment"]


def test_the_chart_gives_the_marts_figures(lab: Lab) -> None:
    data = lab.superset.call("GET", f"/api/v1/chart/{lab.chart_id}/data/")["result"][0]["data"]
    with duckdb.connect(str(lab.story.warehouse), read_only=True) as connection:
        expected = connection.execute(
            f"select department_label, fiscal_year, measure_code, max(target_value), max(actual_value)"
            f" from marts.{TREND} group by all"
        ).fetchall()
    assert len(data) == len(expected) > 0

    def exact(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    read = {
        (row["department_label"], row["fiscal_year"], row["measure_code"]): (
            exact(row["target_value"]),
            exact(row["actual_value"]),
        )
        for row in data
    }
    assert read == {(d, y, m): (exact(t), exact(a)) for d, y, m, t, a in expected}


def test_reads_never_fail_during_a_refresh_and_the_next_query_sees_the_new_night(lab: Lab) -> None:
    assert len(lab.reads_during_refresh) >= 10
    assert [read for read in lab.reads_during_refresh if read[1] != 200] == []
    seen = {run for what, _, run in lab.reads_during_refresh if what == "sql_lab"}
    assert seen <= {lab.run_before, lab.run_after}
    # No restart of Superset, no reconnect by hand: the next query reads the new publication.
    assert lab.run_after != lab.run_before
    assert lab.run_seen_after == lab.run_after


@pytest.mark.parametrize(
    "statement",
    [
        "select * from read_csv('/etc/hostname')",
        "select * from read_text('/etc/passwd')",
        "copy marts.mart_budget_overview to '{root}/leak.csv'",
        "attach '{root}/other.duckdb' as other",
        "install httpfs",
        "set enable_external_access = true",
    ],
)
def test_the_recipe_refuses_what_a_bi_user_must_not_reach(lab: Lab, statement: str) -> None:
    response = lab.superset.sql_lab(lab.database_id, statement.format(root=lab.story.root))
    assert response.status_code != 200
    message = json.dumps(response.json())
    assert any(word in message for word in ("disabled", "Permission Error", "locked")), message
    assert not (lab.story.root / "leak.csv").exists() and not (lab.story.root / "other.duckdb").exists()


def test_a_write_is_refused(lab: Lab) -> None:
    response = lab.superset.sql_lab(lab.database_id, "delete from marts.mart_budget_overview")
    assert response.status_code != 200
    assert run_id_of(lab.story.warehouse) == lab.run_after


def test_the_shipped_dashboard_imports_and_reads_the_marts(lab: Lab) -> None:
    superset = lab.superset
    # The dataset this lab made is on the same table as the bundle's: a table has one dataset.
    superset.call("DELETE", f"/api/v1/chart/{lab.chart_id}")
    datasets = superset.call(
        "GET", "/api/v1/dataset/", params={"q": f"(filters:!((col:table_name,opr:eq,value:{TREND})))"}
    )
    for dataset in datasets["result"]:
        superset.call("DELETE", f"/api/v1/dataset/{dataset['id']}")
    superset.import_dashboard(BUNDLE)

    dashboard = superset.call("GET", "/api/v1/dashboard/jixiao-high-tech-enterprises")["result"]
    charts = superset.call("GET", f"/api/v1/dashboard/{dashboard['id']}/charts")["result"]
    assert len(charts) == 1
    data = superset.call("GET", f"/api/v1/chart/{charts[0]['id']}/data/")["result"][0]["data"]
    with duckdb.connect(str(lab.story.warehouse), read_only=True) as connection:
        (rows,) = connection.execute(
            "select count(*) from (select distinct department_label, fiscal_year, measure_name_zh,"
            f" attainment from marts.{TREND})"
        ).fetchone() or (0,)
    assert len(data) == rows > 0
    # The import kept the database the README's recipe made: one database, the recipe's settings.
    databases = superset.call("GET", "/api/v1/database/")["result"]
    assert [database["id"] for database in databases] == [lab.database_id]
    extra = json.loads(
        superset.call("GET", f"/api/v1/database/{lab.database_id}/connection")["result"]["extra"]
    )
    assert extra["engine_params"] == readme_recipe() == BUNDLE_DATABASE["extra"]["engine_params"]

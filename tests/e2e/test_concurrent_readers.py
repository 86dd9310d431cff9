"""BI readers during refreshes: reader processes query every mart in a loop, each time through a
short read-only connection, while three refreshes run back to back. No read may fail, and every
read must see one published version whole: the run id stamped in `meta.publication` and the
marts' totals read in the same connection must be exactly that run's."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import time
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import SAMPLE_FILES, bin_path, jixiao_env

pytestmark = pytest.mark.night

READERS = 3
# Each night adds documents, so each publication has totals of its own.
NIGHTS = (
    ["huangpu_2023_dept_target_form", "guangzhou_2023_dept_target_form"],
    ["guangzhou_2023_project_target_table"],
    ["huangpu_2022_self_evaluation"],
)


def snapshot(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The run id and, per mart, its row count and the sum of its exact amounts where it has one."""
    seen = {"run_id": connection.execute("select run_id from meta.publication").fetchone()[0]}
    marts = connection.execute(
        "select table_name, list(column_name) filter (where data_type like 'DECIMAL%')"
        " from duckdb_columns() where schema_name = 'marts' group by table_name order by table_name"
    ).fetchall()
    for table, decimals in marts:
        amount = f"sum({decimals[0]})" if decimals else "null"
        count, total = connection.execute(f'select count(*), {amount} from marts."{table}"').fetchone()
        seen[table] = f"{count}|{total if total is None else Decimal(total)}"
    return seen


def read_loop(warehouse: str, out: str, stop: str) -> None:
    with open(out, "w", encoding="utf-8") as log:
        while not os.path.exists(stop):
            if not os.path.exists(warehouse):
                time.sleep(0.05)
                continue
            try:
                with duckdb.connect(warehouse, read_only=True) as connection:
                    log.write(json.dumps({"ok": snapshot(connection)}) + "\n")
            except Exception as exc:  # every failure is a finding: recorded, asserted on below
                log.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            time.sleep(0.1)  # a dashboard refreshing, not a tight loop hogging the CPUs


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("readers")
    landing, warehouse, stop = root / "landing", root / "warehouse.duckdb", root / "stop"
    env = jixiao_env(root)
    spawn = multiprocessing.get_context("spawn")
    readers = [
        spawn.Process(target=read_loop, args=(str(warehouse), str(root / f"reader{i}.jsonl"), str(stop)))
        for i in range(READERS)
    ]
    for reader in readers:
        reader.start()
    published, runs = [], []
    try:
        for names in NIGHTS:
            for name in names:
                source = SAMPLE_FILES[name]
                (landing / source.parent.name).mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, landing / source.parent.name / source.name)
            runs.append(
                subprocess.run(
                    [bin_path("jixiao"), "run", "--quiet"], env=env, capture_output=True, text=True
                )
            )
            with duckdb.connect(str(warehouse), read_only=True) as connection:
                published.append(snapshot(connection))
    finally:
        stop.touch()
        for reader in readers:
            reader.join(timeout=60)
    reads = [
        json.loads(line)
        for i in range(READERS)
        for line in (root / f"reader{i}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return {"runs": runs, "published": published, "reads": reads}


def test_three_refreshes_succeed(observed: dict[str, object]) -> None:
    for run in observed["runs"]:  # type: ignore[attr-defined]
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert len({snap["run_id"] for snap in observed["published"]}) == 3  # type: ignore[attr-defined]


def test_readers_never_fail(observed: dict[str, object]) -> None:
    reads = observed["reads"]
    errors = [read["error"] for read in reads if "error" in read]  # type: ignore[union-attr]
    assert errors == []
    assert len(reads) > 30  # type: ignore[arg-type]


def test_every_read_sees_exactly_one_published_version(observed: dict[str, object]) -> None:
    published = {snap["run_id"]: snap for snap in observed["published"]}  # type: ignore[attr-defined]
    seen_runs = set()
    for read in observed["reads"]:  # type: ignore[attr-defined]
        snap = read["ok"]
        assert snap == published[snap["run_id"]]  # the whole read belongs to that one publication
        seen_runs.add(snap["run_id"])
    assert len(seen_runs) >= 2  # the readers did overlap refreshes

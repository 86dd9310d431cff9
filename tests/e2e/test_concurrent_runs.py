"""Two `jixiao run` started together on one state folder: the second waits for the first, neither
fails on DuckDB's lock, and the warehouse is right afterwards.

`airflow dags test` ignores max_active_runs and pools, so this is `jixiao run`'s own lock at work.
Both runs draw their status line as on a terminal (TTY_COMPATIBLE), so the parse progress they show
is in their output.
"""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import bin_path, copy_samples, jixiao_env
from tests.e2e.test_nightly_run import mart_amount, mart_rows

pytestmark = pytest.mark.night

WAITING = re.compile(r"jixiao: waiting for the refresh already running \(pid (\d+)\) to finish")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("concurrent")
    copy_samples(root / "landing")
    # The Airflow home is not migrated yet: only one of the two runs may do it. TTY_COMPATIBLE: rich
    # draws the status line (with the parse progress) into stdout; COLUMNS: on one line.
    env = jixiao_env(root, TTY_COMPATIBLE="1", COLUMNS="400")
    outputs = [root / f"run-{index}.out" for index in range(2)]
    processes = []
    for output in outputs:  # output to files: a run must never block on a full pipe while it waits
        with output.open("w") as stdout:
            processes.append(
                subprocess.Popen(
                    [bin_path("jixiao"), "run", "--quiet"], env=env, stdout=stdout, stderr=subprocess.STDOUT
                )
            )
    returncodes = [process.wait(timeout=900) for process in processes]
    return {
        "pids": [process.pid for process in processes],
        "returncodes": returncodes,
        "outputs": [ANSI.sub("", output.read_text(errors="replace")) for output in outputs],
        "warehouse": root / "warehouse.duckdb",
    }


def test_both_runs_succeed_one_after_the_other(two_runs: dict[str, object]) -> None:
    outputs: list[str] = two_runs["outputs"]  # type: ignore[assignment]
    pids: list[int] = two_runs["pids"]  # type: ignore[assignment]
    assert two_runs["returncodes"] == [0, 0], "\n".join(output[-3000:] for output in outputs)
    waits = [WAITING.findall(output) for output in outputs]
    waited = [index for index, found in enumerate(waits) if found]
    assert len(waited) == 1, waits  # exactly one of them found the other running
    second = waited[0]
    first = 1 - second
    assert waits[second] == [str(pids[first])]  # and named the run it waited for
    # The first landed the four samples; the second ran after it had finished, so found them known.
    assert "4 new, 0 unchanged, 0 superseded, 0 quarantined" in outputs[first]
    assert "0 new, 4 unchanged, 0 superseded, 0 quarantined" in outputs[second]


def test_status_line_shows_documents_parsed(two_runs: dict[str, object]) -> None:
    outputs: list[str] = two_runs["outputs"]  # type: ignore[assignment]
    first = 0 if WAITING.search(outputs[1]) else 1
    assert "step 1/2: jixiao_landing, parsed 4/4 documents" in outputs[first]
    assert "step 1/2: jixiao_landing, no new documents to parse" in outputs[1 - first]
    assert "step 2/2: jixiao_transform" in outputs[first]
    counts = [int(n) for n in re.findall(r"parsed (\d)/4 documents", outputs[first])]
    assert counts == sorted(counts)  # the count only goes up


def test_warehouse_is_right_afterwards(two_runs: dict[str, object]) -> None:
    warehouse: Path = two_runs["warehouse"]  # type: ignore[assignment]
    assert mart_amount(warehouse, "%黄埔区%", 2023, "财政拨款") == Decimal("364607.20")
    assert mart_amount(warehouse, "广州市科学技术局", 2023, "财政专项资金") == Decimal("470390.56")
    rows = mart_rows(warehouse)
    assert len([row for row in rows if row[3] in ("budget_line", "project_table_total")]) == 18
    assert len({row[0] for row in rows}) == 3

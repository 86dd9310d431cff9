"""The production path for real: Airflow's metadata DB on PostgreSQL, CeleryExecutor with Redis.

Starts the api-server, scheduler, dag-processor and two Celery workers as processes, triggers two runs
of the nightly landing at once, waits for both and for the Asset-scheduled transform runs they cause
to publish, checks that everything queued (one landing, one transform, one warehouse writer at a
time) and nothing failed, checks the marts, and stops everything it started. The broker is a Redis
server of the test's own that requires a password, as the compose stack's does. Skipped, with the
reason, where PostgreSQL does not answer or redis-server is not installed.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_samples
from tests.deploy.stack import (
    Unavailable,
    airflow,
    log_tail,
    metadata,
    production_stack,
    redis_with_password,
    wait_for_dags,
)

pytestmark = pytest.mark.night

REFRESHES = ("refresh_a", "refresh_b")  # the run ids of the two landing runs triggered together


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    try:
        with redis_with_password(secrets.token_urlsafe(24)) as url:
            yield url
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, broker: str) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("production")
    try:
        with production_stack(root, copy_samples(root / "landing"), broker) as started:
            yield started
    except Unavailable as missing:
        pytest.skip(str(missing))


def runs(stack: dict[str, object], dag_id: str) -> list[dict[str, object]]:
    result = subprocess.run(
        [str(stack["airflow"]), "dags", "list-runs", dag_id, "--output", "json"],
        env=stack["env"],  # type: ignore[arg-type]
        capture_output=True,
        text=True,
    )
    # The CLI may log before it prints the JSON: read from the line where the list starts.
    lines = result.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), None)
    if result.returncode != 0 or start is None:
        return []
    return json.loads("\n".join(lines[start:]))


def settled(stack: dict[str, object]) -> bool:
    """Both landing runs ended, and every Asset event they made was consumed by a transform run that
    ended: nothing more will run."""
    landing = metadata(stack, "select state from dag_run where dag_id = 'jixiao_landing'")
    if len(landing) < len(REFRESHES) or any(state not in ("success", "failed") for (state,) in landing):
        return False
    transforms = metadata(stack, "select state from dag_run where dag_id = 'jixiao_transform'")
    if any(state not in ("success", "failed") for (state,) in transforms):
        return False
    unconsumed = metadata(
        stack,
        """
        select count(*) from asset_event e
        where e.source_dag_id = 'jixiao_landing'
          and not exists (select 1 from dagrun_asset_event c where c.event_id = e.id)
        """,
    )
    queued = metadata(
        stack, "select count(*) from asset_dag_run_queue where target_dag_id = 'jixiao_transform'"
    )
    return unconsumed == [(0,)] and queued == [(0,)]


@pytest.fixture(scope="module")
def refreshes(stack: dict[str, object]) -> dict[str, list[dict[str, object]]]:
    """Two runs of `jixiao_landing` triggered at once, and the transform runs they cause, all ended."""
    nightly = wait_for_dags(stack)["jixiao_landing"]
    assert isinstance(nightly, datetime), nightly
    # Both queued while the DAG is paused, so neither has started when the other arrives. The first
    # takes the logical date of the latest 02:00, so the scheduler adds no scheduled run of its own.
    triggers = [
        subprocess.Popen(
            [str(stack["airflow"]), "dags", "trigger", "jixiao_landing", "--run-id", run_id, *extra],
            env=stack["env"],  # type: ignore[arg-type]
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for run_id, extra in zip(REFRESHES, (["--logical-date", nightly.isoformat()], []), strict=True)
    ]
    for trigger in triggers:
        output, _ = trigger.communicate(timeout=120)
        assert trigger.returncode == 0, output[-3000:]
    # The transform first: an Asset event is not queued for a DAG that is paused when it happens.
    airflow(stack, "dags", "unpause", "jixiao_transform")
    airflow(stack, "dags", "unpause", "jixiao_landing")
    deadline = time.monotonic() + 1500
    while time.monotonic() < deadline and not settled(stack):
        time.sleep(3)
    assert settled(stack), log_tail(stack, "scheduler")
    return {
        "landing": runs(stack, "jixiao_landing"),
        "transform": runs(stack, "jixiao_transform"),
    }


def test_nightly_chain_runs_on_postgres_and_celery(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    workers = log_tail(stack, "worker-1") + log_tail(stack, "worker-2")
    assert {run["state"] for run in refreshes["landing"]} == {"success"}, workers
    # The transform DAG is scheduled on the Asset the landing's `load` task updated.
    transforms = refreshes["transform"]
    assert transforms and {run["state"] for run in transforms} == {"success"}, log_tail(stack, "scheduler")
    warehouse = Path(str(stack["root"])) / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        amount = connection.execute(
            "select amount_wan_yuan from marts.mart_budget_overview where department_code = 'huangpu_sti'"
            " and fiscal_year = 2023 and measure_group = 'budget_line' and measure = '财政拨款'"
        ).fetchone()
        lines = connection.execute(
            "select count(*) from marts.mart_budget_overview"
            " where measure_group in ('budget_line', 'project_table_total')"
        ).fetchone()
    assert amount == (Decimal("364607.2000"),)
    assert lines == (18,)


def test_both_workers_run_tasks(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    # Each worker logs every task it takes from the broker: with two landings, their mapped parse
    # tasks and two transforms, the work spreads over both.
    for name in ("worker-1", "worker-2"):
        taken = (Path(str(stack["logs"])) / f"{name}.log").read_text(errors="replace")
        assert re.search(r"Task execute_workload\[[0-9a-f-]+\] received", taken), log_tail(stack, name)


def one_after_the_other(dag_runs: list[dict[str, object]]) -> list[tuple[datetime, datetime]]:
    spans = sorted(
        (datetime.fromisoformat(str(run["start_date"])), datetime.fromisoformat(str(run["end_date"])))
        for run in dag_runs
    )
    for (_, earlier_end), (later_start, _) in itertools.pairwise(spans):
        assert later_start >= earlier_end, spans
    return spans


def test_two_refreshes_started_together_queue(
    stack: dict[str, object], refreshes: dict[str, list[dict[str, object]]]
) -> None:
    """max_active_runs=1 and the one-slot pool: the runs queued, none failed on DuckDB's lock."""
    landing, transforms = refreshes["landing"], refreshes["transform"]
    assert sorted(str(run["run_id"]) for run in landing) == sorted(REFRESHES)  # no scheduled run besides
    assert {run["state"] for run in landing + transforms} == {"success"}
    one_after_the_other(landing)  # the second landing started after the first had ended
    one_after_the_other(transforms)
    # Each landing's Asset event was consumed by exactly one transform run; one transform run may
    # consume both (Airflow queues events while the transform is at max_active_runs, then one run
    # takes all of them), so there are one or two.
    consumed = metadata(
        stack,
        """
        select e.source_run_id, count(c.dag_run_id) from asset_event e
        left join dagrun_asset_event c on c.event_id = e.id
        where e.source_dag_id = 'jixiao_landing' group by e.source_run_id
        """,
    )
    assert sorted(consumed) == [(run_id, 1) for run_id in sorted(REFRESHES)]
    assert 1 <= len(transforms) <= len(REFRESHES)
    # Every task ran once and succeeded (or was skipped: nothing new to parse the second time).
    tries = metadata(
        stack,
        "select dag_id, task_id, map_index, state, try_number from task_instance order by start_date",
    )
    assert tries and all(state in ("success", "skipped") and number <= 1 for *_, state, number in tries), [
        row
        for row in tries
        if row[3] not in ("success", "skipped") or row[4] > 1  # type: ignore[operator]
    ]
    # The warehouse writers of all the runs had the one pool slot in turn, never two at once.
    writers = metadata(
        stack,
        """
        select start_date, end_date, dag_id, task_id from task_instance
        where pool = 'jixiao_warehouse' and state = 'success' order by start_date
        """,
    )
    assert any(dag_id == "jixiao_landing" for _, _, dag_id, _ in writers)
    for earlier, later in itertools.pairwise(writers):
        assert later[0] >= earlier[1], (earlier, later)  # type: ignore[operator]
    task_logs = Path(str(stack["env"]["AIRFLOW_HOME"])) / "logs"  # type: ignore[index]
    locked = [str(path) for path in task_logs.rglob("*.log") if "Could not set lock" in path.read_text()]
    assert locked == []

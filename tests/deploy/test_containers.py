"""The compose stack for real (marker `containers`, `make test-deploy`): the images built offline, the
stack up with podman-compose (api-server, scheduler, dag-processor, triggerer, two Celery workers,
PostgreSQL, Redis, the init and the secrets check), every healthcheck passing, a night triggered
through the REST API on the samples, one worker restarted while it runs, the marts read inside the
volume with `jixiao sql`, equal row for row to a clean night's; then the stack torn down."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
import requests

from tests.conftest import NIGHTS_TIMEOUT_SECONDS, SAMPLE_FILES, copy_samples
from tests.deploy.containers import API, COMPOSE_TOOL, WORKERS, Stack
from tests.deploy.images import build_images, run
from tests.e2e.conftest import Teller, add_samples, mart_hashes, new_story

pytestmark = [pytest.mark.containers, pytest.mark.timeout(NIGHTS_TIMEOUT_SECONDS)]


@dataclass
class Lane:
    stack: Stack
    image_sizes: dict[str, int]
    clean_hashes: dict[str, list[str]]
    clean_rows: list[dict[str, Any]]
    landing_run: dict[str, Any] = field(default_factory=dict)
    transform_run: dict[str, Any] = field(default_factory=dict)
    hostnames: set[str] = field(default_factory=set)
    worker_hostnames: set[str] = field(default_factory=set)
    served_hashes: dict[str, list[str]] = field(default_factory=dict)
    served_rows: list[dict[str, Any]] = field(default_factory=list)
    restarted: str = ""


OVERVIEW = (
    "select department_name_zh, fiscal_year, measure, amount_wan_yuan::varchar as amount"
    " from marts.mart_budget_overview order by all"
)


def overview(warehouse: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(OVERVIEW)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def wait_for_run(stack: Stack, dag_id: str, seconds: float, after: str = "") -> dict[str, Any]:
    """The newest run of `dag_id` (queued after `after`, if given) once it has ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = [run for run in stack.runs(dag_id) if run["run_after"] > after]
        if runs and runs[0]["state"] in ("success", "failed"):
            return runs[0]
        time.sleep(5)
    raise AssertionError(f"{dag_id} did not end in {seconds} s: {stack.runs(dag_id)[:1]}")


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lane]:
    if shutil.which("podman") is None or not COMPOSE_TOOL.exists():
        pytest.fail("podman and podman-compose are needed: run `make test-deploy` (.ci/run installs them)")
    root = tmp_path_factory.mktemp("containers")
    sizes = build_images(root / "images")

    # What the stack's night must give: a clean night of the same samples through `jixiao run`.
    clean = new_story(tmp_path_factory, "clean-night")
    add_samples(clean.landing, *SAMPLE_FILES)
    night = Teller(clean).night("clean")
    assert night.returncode == 0, night.output[-3000:]

    stack = Stack(root / "stack", copy_samples(root / "landing"))
    stack.write_env(
        # A task lost with its worker is failed (then retried) after a minute, not five.
        AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="60",
        JIXIAO_RETRY_DELAY_SECONDS="5",
    )
    try:
        stack.up()
        lane = Lane(stack, sizes, mart_hashes(clean.warehouse), overview(clean.warehouse))
        stack.login()
        stack.wait_for_dags("jixiao_landing", "jixiao_transform")
        for dag_id in ("jixiao_landing", "jixiao_transform"):
            stack.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        triggered = stack.api("POST", "/dags/jixiao_landing/dagRuns", json={"logical_date": None})

        # Mid-night: once the transform is running, one worker is restarted (SIGTERM, then SIGKILL
        # after 10 s), whatever it is running.
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline and not stack.runs("jixiao_transform"):
            time.sleep(3)
        lane.restarted = stack.container("airflow-worker", WORKERS)
        run("podman", "restart", "--time", "10", lane.restarted)

        lane.landing_run = wait_for_run(stack, "jixiao_landing", 600)
        lane.transform_run = wait_for_run(stack, "jixiao_transform", 1500)
        for dag_id, dag_run in (("jixiao_landing", triggered), ("jixiao_transform", lane.transform_run)):
            lane.hostnames |= {
                ti["hostname"] for ti in stack.task_instances(dag_id, dag_run["dag_run_id"]) if ti["hostname"]
            }
        lane.worker_hostnames = {
            stack.exec(stack.container("airflow-worker", index), "hostname").strip()
            for index in range(1, WORKERS + 1)
        }
        # The served file, read where it lives: in the volume, through a container.
        lane.served_rows = json.loads(
            stack.exec(
                stack.container("airflow-worker", 1),
                "jixiao", "sql", "--format", "json",
                OVERVIEW,
            )
        )  # fmt: skip
        copied = root / "served.duckdb"
        run(
            "podman",
            "cp",
            f"{stack.container('airflow-worker', 1)}:/opt/jixiao/data/warehouse.duckdb",
            str(copied),
        )
        lane.served_hashes = mart_hashes(copied)
        yield lane
    finally:
        for container in (stack.container("airflow-scheduler"), stack.container("airflow-worker", 1)):
            subprocess.run(
                ["podman", "logs", "--tail", "200", container],
                stdout=(root / f"{container}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        stack.down()


def test_the_night_triggered_through_the_api_succeeds(lane: Lane) -> None:
    assert lane.landing_run["state"] == "success"
    assert lane.transform_run["state"] == "success"


def test_the_marts_are_read_inside_the_volume(lane: Lane) -> None:
    """`jixiao sql` in a worker container, on the served file in the volume: the clean night's rows."""
    assert len(lane.served_rows) > 10
    assert lane.served_rows == lane.clean_rows


def test_both_workers_ran_tasks(lane: Lane) -> None:
    assert len(lane.worker_hostnames) == WORKERS
    assert lane.worker_hostnames <= lane.hostnames, (lane.worker_hostnames, lane.hostnames)


def test_a_worker_restarted_mid_night_loses_nothing(lane: Lane) -> None:
    assert lane.restarted
    assert lane.served_hashes == lane.clean_hashes


def test_an_anonymous_api_call_is_refused(lane: Lane) -> None:
    assert requests.get(f"{API}/api/v2/dags", timeout=30).status_code == 401
    assert lane.stack.api("GET", "/dags")["total_entries"] == 2


def test_the_images_are_built_offline(lane: Lane) -> None:
    print({image: f"{size / 2**20:.0f} MiB" for image, size in lane.image_sizes.items()})
    assert set(lane.image_sizes) == {
        "localhost/jixiao-base:bookworm",
        "localhost/postgres:16-offline",
        "localhost/redis:7-offline",
        "localhost/jixiao:latest",
    }

"""The compose stack for real (marker `containers`, `make test-deploy`): the images built offline, the
stack up with podman-compose (api-server, scheduler, dag-processor, triggerer, two Celery workers,
PostgreSQL, Redis, the products service, the init and the secrets check), every healthcheck passing,
a night triggered through the REST API on the samples, one worker restarted while it runs, the marts
read inside the volume with `jixiao sql`, equal row for row to a clean night's; the night's products
fetched from the products service; then the stack torn down.

One sample is re-printed with a sum that does not add up (黄埔's 2023 form, as in the e2e story): the
night publishes the rest and its verdict fails, and the alert, by mail and by webhook to servers on
this machine, names the document and its check. The night's deadline is one minute, which it
overruns: the deadline alert arrives too."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
import requests

from tests.alert_sinks import AlertSinks, alert_sinks
from tests.conftest import NIGHTS_TIMEOUT_SECONDS, copy_samples
from tests.deploy.containers import ADMIN, API, COMPOSE_TOOL, PRODUCTS, WORKERS, Stack
from tests.deploy.images import build_images, run
from tests.e2e.conftest import (
    HUANGPU_FORM,
    Teller,
    mart_hashes,
    new_story,
    reprint_huangpu_with_basic_expenditure_raised,
)

pytestmark = [pytest.mark.containers, pytest.mark.timeout(NIGHTS_TIMEOUT_SECONDS)]


@dataclass
class Lane:
    stack: Stack
    image_sizes: dict[str, int]
    clean_hashes: dict[str, list[str]]
    clean_rows: list[dict[str, Any]]
    landing_run: dict[str, Any] = field(default_factory=dict)
    transform_run: dict[str, Any] = field(default_factory=dict)
    # Each transform run's task states, by run id.
    transform_runs: dict[str, dict[str, str]] = field(default_factory=dict)
    hostnames: set[str] = field(default_factory=set)
    worker_hostnames: set[str] = field(default_factory=set)
    served_hashes: dict[str, list[str]] = field(default_factory=dict)
    served_rows: list[dict[str, Any]] = field(default_factory=list)
    restarted: str = ""
    alerts: AlertSinks | None = None
    products: dict[str, requests.Response] = field(default_factory=dict)


OVERVIEW = (
    "select department_name_zh, fiscal_year, measure, amount_wan_yuan::varchar as amount"
    " from marts.mart_budget_overview order by all"
)


def overview(warehouse: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(OVERVIEW)
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


ENDED = ("success", "failed")


def task_states(stack: Stack, dag_id: str, run_id: str) -> dict[str, str]:
    return {ti["task_id"]: ti["state"] for ti in stack.task_instances(dag_id, run_id)}


def wait_for_nights(stack: Stack, seconds: float) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every run of the landing and of the transform, once all have ended and no transform run
    is still to come: each landing's Asset event queues a transform run, on the scheduler's next
    look, so the runs are taken when two looks 15 s apart find the same ended ones."""
    deadline = time.monotonic() + seconds
    seen: list[str] = []
    while time.monotonic() < deadline:
        landings, transforms = stack.runs("jixiao_landing"), stack.runs("jixiao_transform")
        runs = landings + transforms
        ended = [run["dag_run_id"] for run in runs if run["state"] in ENDED]
        if landings and transforms and len(ended) == len(runs):
            if ended == seen:
                return landings, transforms
            seen = ended
            time.sleep(15)
            continue
        seen = []
        time.sleep(5)
    raise AssertionError(f"the nights did not end in {seconds} s: {stack.runs('jixiao_transform')}")


# Where a container reaches this machine (podman adds the name to every container's hosts file).
HOST_FROM_CONTAINERS = "host.containers.internal"
# What the products service is asked for after the night, by path.
PRODUCT_PATHS = (
    "/",
    "/report.html",
    "/dbt-docs.html",
    "/data-docs/",
    "/exports/current/",
    "/exports/current/mart_budget_overview.parquet",
    "/exports/current/csv/datapackage.json",
    "/warehouse.duckdb",
    "/state/ledger.sqlite",
    "/exports/../warehouse.duckdb",
)


def doctored_landing(root: Path) -> Path:
    """The samples, 黄埔's 2023 form re-printed with 基本支出 raised by 100.00 (reconciliation rejects it)."""
    landing = copy_samples(root / "landing")
    (landing / HUANGPU_FORM).write_bytes(reprint_huangpu_with_basic_expenditure_raised(root / "reprint"))
    return landing


@pytest.fixture(scope="module")
def lane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lane]:
    if shutil.which("podman") is None or not COMPOSE_TOOL.exists():
        pytest.fail("podman and podman-compose are needed: run `make test-deploy` (.ci/run installs them)")
    root = tmp_path_factory.mktemp("containers")
    sizes = build_images(root / "images")
    landing = doctored_landing(root)

    # What the stack's night must give: a clean night of the same landing through `jixiao run` (its
    # verdict fails too, for the same document).
    clean = new_story(tmp_path_factory, "clean-night")
    shutil.copytree(landing, clean.landing, dirs_exist_ok=True)
    night = Teller(clean).night("clean")
    assert night.returncode != 0 and "budget_identity" in night.output, night.output[-3000:]
    assert "the rest was published" in night.output, night.output[-3000:]

    stack = Stack(root / "stack", landing)
    with alert_sinks(bind="0.0.0.0") as sinks:
        stack.write_env(
            # A task lost with its worker is failed (then retried) after a minute, not five.
            AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT="60",
            JIXIAO_RETRY_DELAY_SECONDS="5",
            JIXIAO_NIGHT_DEADLINE_MINUTES="1",
            **sinks.alert_env(HOST_FROM_CONTAINERS),
        )
        try:
            stack.up()
            lane = Lane(stack, sizes, mart_hashes(clean.warehouse), overview(clean.warehouse), alerts=sinks)
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
            _restart(lane.restarted, grace_seconds=10)

            landings, transforms = wait_for_nights(stack, 2100)
            (lane.landing_run,) = [r for r in landings if r["dag_run_id"] == triggered["dag_run_id"]]
            lane.transform_runs = {
                r["dag_run_id"]: task_states(stack, "jixiao_transform", r["dag_run_id"]) for r in transforms
            }
            # Unpausing the landing also starts its latest scheduled night: two landings, and a
            # transform run for each, or one for both. The first to build publishes; a second one
            # builds the same inputs again, or finds them published and has nothing new, as the
            # landings' and transforms' order fell.
            (lane.transform_run, *_) = [
                r
                for r in reversed(transforms)
                if lane.transform_runs[r["dag_run_id"]].get("publish") == "success"
            ]
            for dag_id, dag_runs in (("jixiao_landing", landings), ("jixiao_transform", transforms)):
                lane.hostnames |= {
                    ti["hostname"]
                    for dag_run in dag_runs
                    for ti in stack.task_instances(dag_id, dag_run["dag_run_id"])
                    if ti["hostname"]
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
            lane.products = {path: requests.get(f"{PRODUCTS}{path}", timeout=30) for path in PRODUCT_PATHS}
            lane.products["POST /report.html"] = requests.post(f"{PRODUCTS}/report.html", timeout=30)
            wait_for_alerts(sinks, lane.transform_run["dag_run_id"])
            yield lane
        finally:
            for container in (
                stack.container("airflow-scheduler"),
                stack.container("airflow-triggerer"),
                stack.container("airflow-worker", 1),
            ):
                subprocess.run(
                    ["podman", "logs", "--tail", "200", container],
                    stdout=(root / f"{container}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            stack.down()


def alerts_of(sinks: AlertSinks, run_id: str, about: str) -> tuple[list[EmailMessage], list[dict[str, Any]]]:
    """The mails and the webhooks about `about` of the run `run_id`: unpausing the landing also
    starts its latest scheduled run, so the stack holds two nights, each alerting."""
    mails = [m for m in sinks.mails if about in str(m["Subject"]) and f"({run_id})" in str(m["Subject"])]
    hooks = [w for w in sinks.webhooks if about in w.get("title", "") and f"({run_id})" in w.get("title", "")]
    return mails, hooks


VERDICT_FAILED = "jixiao_transform failed at reconciliation_verdict"
NOT_FINISHED = "jixiao_transform not finished"


def wait_for_alerts(sinks: AlertSinks, run_id: str, seconds: float = 120) -> None:
    """Until the run's verdict and deadline alerts have arrived on both channels (the triggerer sends
    a deadline's on its next look)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(all(alerts_of(sinks, run_id, about)) for about in (VERDICT_FAILED, NOT_FINISHED)):
            return
        time.sleep(2)


def test_the_night_triggered_through_the_api_publishes_and_fails_on_the_rejected_document(lane: Lane) -> None:
    assert lane.landing_run["state"] == "success"
    assert lane.transform_run["state"] == "failed"
    states = lane.transform_runs[lane.transform_run["dag_run_id"]]
    assert states["publish"] == "success" and states["report"] == "success"
    assert states["reconciliation_verdict"] == "failed"
    assert [task for task, state in states.items() if state != "success"] == ["reconciliation_verdict"]
    # The other night, if any: it published the same inputs again, or found them published (nothing
    # new) and kept the publication and its verdict; the document stays rejected either way.
    for run_id, others in lane.transform_runs.items():
        failed = [task for task, state in others.items() if state not in ("success", "skipped")]
        assert failed == ["reconciliation_verdict"], (run_id, others)
        assert others["report"] == "success", (run_id, others)
        assert others["publish"] == "success" or others["anything_new"] == "success", (run_id, others)


def test_the_failed_verdict_is_told_by_mail_and_by_webhook_naming_the_document(lane: Lane) -> None:
    assert lane.alerts is not None
    (mail,), (webhook,) = alerts_of(lane.alerts, lane.transform_run["dag_run_id"], VERDICT_FAILED)
    assert mail["To"] == "ops@example.org"
    body = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert HUANGPU_FORM in body and "budget_identity" in body
    assert webhook["type"] == "failure"
    assert HUANGPU_FORM in webhook["message"] and "budget_identity" in webhook["message"]


def test_a_night_past_its_deadline_is_told_once(lane: Lane) -> None:
    """JIXIAO_NIGHT_DEADLINE_MINUTES=1: the transform runs longer; the triggerer sends the alert."""
    assert lane.alerts is not None
    (mail,), (webhook,) = alerts_of(lane.alerts, lane.transform_run["dag_run_id"], NOT_FINISHED)
    assert mail["To"] == "ops@example.org" and webhook["type"] == "warning"
    assert "JIXIAO_NIGHT_DEADLINE_MINUTES=1" in webhook["message"]


def test_the_nights_products_are_served_read_only(lane: Lane) -> None:
    products = lane.products
    for path in PRODUCT_PATHS[:7]:
        assert products[path].status_code == 200, path
    assert "对账" in products["/report.html"].text
    assert "mart_high_tech_enterprise_trend" in products["/dbt-docs.html"].text
    assert (
        "Data Docs" in products["/data-docs/"].text or "expectation" in products["/data-docs/"].text.lower()
    )
    assert "mart_budget_overview.parquet" in products["/exports/current/"].text
    parquet = pq.read_table(io.BytesIO(products["/exports/current/mart_budget_overview.parquet"].content))
    assert parquet.num_rows == len(lane.served_rows)
    assert json.loads(products["/exports/current/csv/datapackage.json"].text)["resources"]
    # Nothing else of the volume, and no writing.
    for path in PRODUCT_PATHS[7:]:
        assert products[path].status_code == 404, path
    assert products["POST /report.html"].status_code == 405


def test_the_marts_are_read_inside_the_volume(lane: Lane) -> None:
    """`jixiao sql` in a worker container, on the served file in the volume: the clean night's rows."""
    assert len(lane.served_rows) > 10
    assert lane.served_rows == lane.clean_rows


def _restart(container: str, grace_seconds: int) -> None:
    """What `podman restart --time` does, without its race in Debian's podman 4.3: a worker that ends
    its warm shutdown just as the grace period runs out is already stopped when the SIGKILL follows,
    and the restart failed (exit 125, `container state improper: stopped`), the worker left stopped.
    Stopped it must be, however it got there; then it starts again."""
    subprocess.run(
        ["podman", "stop", "--time", str(grace_seconds), container], capture_output=True, timeout=120
    )
    state = run("podman", "inspect", "--format", "{{.State.Status}}", container).strip()
    assert state in ("exited", "stopped"), f"{container} is {state} after podman stop"
    run("podman", "start", container)


def test_both_workers_ran_tasks(lane: Lane) -> None:
    assert len(lane.worker_hostnames) == WORKERS
    assert lane.worker_hostnames <= lane.hostnames, (lane.worker_hostnames, lane.hostnames)


def test_a_worker_restarted_mid_night_loses_nothing(lane: Lane) -> None:
    assert lane.restarted
    assert lane.served_hashes == lane.clean_hashes


def test_the_api_refuses_anonymous_calls_and_wrong_passwords_and_takes_the_admins(lane: Lane) -> None:
    assert requests.get(f"{API}/api/v2/dags", timeout=30).status_code == 401
    assert lane.stack.token_for(ADMIN, "not-the-password").status_code == 401
    assert lane.stack.api("GET", "/dags")["total_entries"] == 2


def test_the_images_are_built_offline(lane: Lane) -> None:
    print({image: f"{size / 2**20:.0f} MiB" for image, size in lane.image_sizes.items()})
    assert set(lane.image_sizes) == {
        "localhost/jixiao-base:bookworm",
        "localhost/postgres:16-offline",
        "localhost/redis:7-offline",
        "localhost/nginx:offline",
        "localhost/jixiao:latest",
    }

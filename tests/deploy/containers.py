"""The compose stack as users run it, started here with podman and podman-compose: docker-compose.yml
and .env in a folder of the test's own, the offline images through tests/deploy/compose.offline.yml.

podman 4.3 (Debian bookworm) neither honours `depends_on` conditions nor runs healthchecks by
itself (it schedules them with systemd timers, and no systemd runs here): the lane starts the
services in the order the conditions give and runs each healthcheck (`podman healthcheck run`)
until it passes, as compose would wait for it."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

from tests.conftest import PROJECT_ROOT
from tests.deploy.images import run

COMPOSE_TOOL = PROJECT_ROOT / ".tools" / "podman-compose" / "bin" / "podman-compose"
OVERRIDE = Path(__file__).resolve().parent / "compose.offline.yml"
API = "http://127.0.0.1:8080"
PRODUCTS = "http://127.0.0.1:8081"
ADMIN = "operator"
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
WORKERS = 2


@dataclass
class Stack:
    root: Path  # docker-compose.yml and deploy/ (links to the project's) and .env
    landing: Path
    project: str = "jixiao-lane"
    token: str = ""
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def write_env(self, **extra: str) -> None:
        """A .env as an operator fills it in: secrets of its own."""
        values = {
            "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
            "REDIS_PASSWORD": secrets.token_urlsafe(24),
            "AIRFLOW_JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW_API_SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW_ADMIN_USER": ADMIN,
            "AIRFLOW_ADMIN_PASSWORD": self.admin_password,
            "AIRFLOW_ADMIN_EMAIL": "operator@example.org",
            "JIXIAO_LANDING_HOST_DIR": str(self.landing),
            **extra,
        }
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
        # The compose file and what it mounts by relative path, as in a checkout.
        for name in ("docker-compose.yml", "deploy"):
            link = self.root / name
            link.unlink(missing_ok=True)
            link.symlink_to(PROJECT_ROOT / name)

    def compose(self, *arguments: str, timeout: float = 600) -> str:
        return run(
            str(COMPOSE_TOOL), "-p", self.project, "-f", str(self.root / "docker-compose.yml"),
            "-f", str(OVERRIDE), *arguments, timeout=timeout,
        )  # fmt: skip

    def container(self, service: str, index: int = 1) -> str:
        return f"{self.project}_{service}_{index}"

    def healthy(self, container: str) -> bool:
        return (
            subprocess.run(["podman", "healthcheck", "run", container], capture_output=True).returncode == 0
        )

    def wait_healthy(self, containers: list[str], seconds: float = 600) -> None:
        waiting = list(containers)
        deadline = time.monotonic() + seconds
        while waiting:
            waiting = [container for container in waiting if not self.healthy(container)]
            if waiting and time.monotonic() > deadline:
                logs = {c: run("podman", "logs", "--tail", "30", c)[-2000:] for c in waiting}
                raise AssertionError(f"not healthy after {seconds} s: {waiting}\n{logs}")
            if waiting:
                time.sleep(5)

    def wait_exited(self, container: str) -> int:
        return int(run("podman", "wait", container, timeout=600).strip())

    def up(self) -> None:
        """Each service once what it depends on is healthy or done, as the conditions say."""
        # A lane killed before its teardown leaves its volumes, and postgres keeps the password of
        # that run's .env: airflow-init would fail to log in with this one's.
        self.down()
        self.compose("up", "-d", "--no-deps", "secrets-check", "postgres", "redis")
        assert self.wait_exited(self.container("secrets-check")) == 0
        self.wait_healthy([self.container("postgres"), self.container("redis")])
        self.compose("up", "-d", "--no-deps", "airflow-init")
        assert self.wait_exited(self.container("airflow-init")) == 0, run(
            "podman", "logs", self.container("airflow-init")
        )[-3000:]
        self.compose("up", "-d", "--no-deps", *AIRFLOW_SERVICES, "products")
        self.wait_healthy([self.container("airflow-apiserver"), self.container("products")])
        self.compose("up", "-d", "--no-deps", "--scale", f"airflow-worker={WORKERS}", "airflow-worker")
        self.wait_healthy(
            [self.container(service) for service in AIRFLOW_SERVICES]
            + [self.container("airflow-worker", index) for index in range(1, WORKERS + 1)]
        )

    def down(self) -> None:
        # podman-compose's down leaves the replicas `--scale` added: they go by name, then the volumes.
        self.compose("down", "-v", timeout=300)
        left = run(
            "podman", "ps", "-a", "--format", "{{.Names}}", "--filter", f"name=^{self.project}_"
        ).split()
        if left:
            run("podman", "rm", "-f", *left)
            self.compose("down", "-v", timeout=300)
        volumes = run(
            "podman", "volume", "ls", "--format", "{{.Name}}", "--filter", f"name=^{self.project}_"
        ).split()
        if volumes:
            run("podman", "volume", "rm", "-f", *volumes)

    def exec(self, container: str, *command: str, timeout: float = 300) -> str:
        return run("podman", "exec", container, *command, timeout=timeout)

    # --- the REST API, as an operator's script uses it ----------------------------------------

    def token_for(self, username: str, password: str) -> requests.Response:
        return requests.post(
            f"{API}/auth/token", json={"username": username, "password": password}, timeout=30
        )

    def login(self) -> None:
        """As the admin of .env, whom airflow-init made."""
        response = self.token_for(ADMIN, self.admin_password)
        response.raise_for_status()
        self.token = response.json()["access_token"]

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            f"{API}/api/v2{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
            **kwargs,
        )
        if not response.ok:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text[:2000]}")
        return response.json()

    def wait_for_dags(self, *dag_ids: str, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = {dag["dag_id"] for dag in self.api("GET", "/dags")["dags"]}
            if set(dag_ids) <= found:
                return
            time.sleep(3)
        errors = self.api("GET", "/importErrors")
        raise AssertionError(f"DAGs {dag_ids} not parsed in {seconds} s: {json.dumps(errors)[:3000]}")

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after"})["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return list(
            self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 500})[
                "task_instances"
            ]
        )

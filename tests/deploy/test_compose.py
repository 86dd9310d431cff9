"""docker-compose.yml, validated the way `docker compose config` reads it: .env interpolation,
YAML anchors and merge keys resolved, then the compose specification (compose-spec, the Rust
compose_spec parser). No Docker engine runs here, so the file is checked, not started."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose
from dockerfile_parse import DockerfileParser

from jixiao.runtime.secrets_guard import SECRETS
from tests.conftest import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def env_file(path: Path) -> dict[str, str]:
    pairs = (
        line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        if op and op.endswith("?") and not value:
            raise AssertionError(f"{name} is required: {arg}")
        if op and op.endswith("-") and not value:
            return arg
        return value or ""

    return _VARIABLE.sub(substitute, text)


@pytest.fixture(scope="module")
def filled_in() -> dict[str, str]:
    """A .env as an operator fills it in: the example with secrets of its own."""
    return _filled_in()


@pytest.fixture(scope="module")
def compose(filled_in: dict[str, str]) -> dict[str, Any]:
    resolved = yaml.safe_load(interpolate(COMPOSE.read_text(), filled_in))
    PyCompose.from_json(json.dumps(resolved))  # raises on anything the compose spec refuses
    return resolved


def test_compose_file_is_valid(compose: dict[str, Any]) -> None:
    assert PyCompose.from_json(json.dumps(compose)).service_names()


def test_the_production_services_are_there(compose: dict[str, Any]) -> None:
    assert {
        "postgres",
        "redis",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    } <= set(compose["services"])


def test_airflow_services_run_the_project_image_with_its_dags_and_settings(
    compose: dict[str, Any], filled_in: dict[str, str]
) -> None:
    airflow = {name: service for name, service in compose["services"].items() if name.startswith("airflow-")}
    for name, service in airflow.items():
        assert service["build"] == ".", name
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/jixiao/dags", name
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://"), name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith(
            f"redis://:{filled_in['REDIS_PASSWORD']}@redis:6379"
        )
        # The same Celery configuration as the production-path test: importable from the image.
        assert (
            env["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"] == "jixiao.airflow.celery_config.CELERY_CONFIG"
        ), name
        for setting in ("JIXIAO_LANDING_DIR", "JIXIAO_WAREHOUSE", "JIXIAO_STATE_DIR", "JIXIAO_EXPORT_DIR"):
            assert env[setting].startswith("/opt/jixiao/"), (name, setting)
    assert "jixiao_warehouse 1" in " ".join(compose["services"]["airflow-init"]["command"])


def image_problems(dockerfile: str) -> list[str]:
    """What the image would lack, read from the Dockerfile's instructions (comments and line
    continuations resolved by dockerfile-parse, as Docker reads them)."""
    parser = DockerfileParser(fileobj=io.BytesIO(dockerfile.encode()))
    steps = [(step["instruction"], step["value"]) for step in parser.structure]
    copies = {i: value.split() for i, (instruction, value) in enumerate(steps) if instruction == "COPY"}
    syncs = [
        i
        for i, (instruction, value) in enumerate(steps)
        if instruction == "RUN" and "uv sync --frozen" in value
    ]
    wheel = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    problems = []
    for folder in [*wheel["targets"]["wheel"]["packages"], "dags", "dbt_project"]:
        where = [i for i, parts in copies.items() if parts == [folder, folder]]
        if not where:
            problems.append(f"{folder} is not copied into the image")
        elif not syncs or not (syncs[0] < where[0] < syncs[-1]):
            problems.append(f"{folder} is not copied between the dependency install and the project install")
    if parser.envs.get("AIRFLOW__CORE__DAGS_FOLDER") != "/opt/jixiao/dags":
        problems.append("AIRFLOW__CORE__DAGS_FOLDER is not /opt/jixiao/dags")
    return problems


def test_the_image_holds_every_package_of_the_project() -> None:
    assert image_problems((PROJECT_ROOT / "Dockerfile").read_text()) == []


def test_a_package_missing_from_the_image_is_found() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "COPY jixiao jixiao\n" in dockerfile
    commented = dockerfile.replace("COPY jixiao jixiao\n", "# COPY jixiao jixiao\n")
    assert image_problems(commented) == ["jixiao is not copied into the image"]


def test_no_secret_is_committed() -> None:
    text = COMPOSE.read_text()
    # Interpolated from .env, never defaulted; the admin's reach airflow-init only from .env.
    admin = ("AIRFLOW_ADMIN_USER", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_ADMIN_EMAIL")
    for secret in (*SECRETS, "AIRFLOW_FERNET_KEY"):
        if secret not in admin:
            assert f"${{{secret}:?" in text
    for name in admin:
        assert f"$${{{name}}}" in text and f"${{{name}:" not in text
    ignored = (PROJECT_ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_redis_requires_the_password_the_workers_use(
    compose: dict[str, Any], filled_in: dict[str, str]
) -> None:
    redis = compose["services"]["redis"]
    assert redis["command"] == ["redis-server", "--requirepass", filled_in["REDIS_PASSWORD"]]
    assert filled_in["REDIS_PASSWORD"] in redis["healthcheck"]["test"]


def _waits_for(services: dict[str, Any], name: str) -> set[str]:
    """Every service `name` waits for, directly or through the ones it waits for."""
    found: set[str] = set()
    pending = [name]
    while pending:
        for dependency in services[pending.pop()].get("depends_on") or {}:
            if dependency not in found:
                found.add(dependency)
                pending.append(dependency)
    return found


def test_no_service_starts_before_the_secrets_are_checked(compose: dict[str, Any]) -> None:
    services = compose["services"]
    check = services["secrets-check"]
    assert check["env_file"] == ".env" and check["image"] == "jixiao:latest" and check["restart"] == "no"
    for name in ("postgres", "redis"):
        assert services[name]["depends_on"]["secrets-check"] == {
            "condition": "service_completed_successfully"
        }
    for name, service in services.items():
        # The Airflow services run the guard themselves (the image's entrypoint); the others wait.
        assert (
            name == "secrets-check"
            or "secrets-check" in _waits_for(services, name)
            or (service.get("build") == ".")
        ), name


def _entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The image's ENTRYPOINT, as the Dockerfile gives it, starting `true` as a service would."""
    parser = DockerfileParser(fileobj=io.BytesIO((PROJECT_ROOT / "Dockerfile").read_bytes()))
    entrypoint = json.loads(next(s["value"] for s in parser.structure if s["instruction"] == "ENTRYPOINT"))
    assert entrypoint[:3] == ["python", "-m", "jixiao.runtime.secrets_guard"]
    command = [sys.executable, *entrypoint[1:], "true"]
    return subprocess.run(command, env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True)


def test_the_stack_refuses_to_start_with_the_example_secrets() -> None:
    refused = _entrypoint(env_file(ENV_EXAMPLE))
    assert refused.returncode == 78
    for name in (*SECRETS, "AIRFLOW_FERNET_KEY", "AIRFLOW_ADMIN_USER", "AIRFLOW_ADMIN_EMAIL"):
        assert f"jixiao: refusing to start: {name}" in refused.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("POSTGRES_PASSWORD", "airflow"),
        ("REDIS_PASSWORD", "short"),
        ("AIRFLOW_ADMIN_USER", "admin"),
        ("AIRFLOW_ADMIN_PASSWORD", "airflow"),
        ("AIRFLOW_ADMIN_EMAIL", "budget ops"),
    ],
)
def test_the_stack_refuses_a_default_or_weak_secret(name: str, value: str) -> None:
    refused = _entrypoint({**_filled_in(), name: value})
    assert refused.returncode == 78 and f"refusing to start: {name}" in refused.stderr


def test_the_stack_starts_with_secrets_of_its_own() -> None:
    started = _entrypoint(_filled_in())
    assert started.returncode == 0, started.stderr


def _filled_in() -> dict[str, str]:
    from cryptography.fernet import Fernet

    secrets = {name: token_urlsafe(32) for name in SECRETS}
    return {**env_file(ENV_EXAMPLE), **secrets, "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW_ADMIN_USER": "budget_ops", "AIRFLOW_ADMIN_EMAIL": "ops@example.org"}  # fmt: skip


LONG_RUNNING = (
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "products",
)


def test_every_long_running_service_has_a_healthcheck_its_image_can_run(compose: dict[str, Any]) -> None:
    """The image is the project's environment on Debian slim: no curl. A healthcheck runs Python,
    Airflow or Celery from the project's own environment (or PostgreSQL's and Redis's own tools, or
    the shell's `kill -0` on nginx's pid)."""
    programs = {"pg_isready", "redis-cli", "kill"} | {
        name for name in ("python", "airflow", "celery") if (PROJECT_ROOT / ".venv" / "bin" / name).exists()
    }
    assert programs >= {"python", "airflow", "celery"}
    for name in LONG_RUNNING:
        test = compose["services"][name]["healthcheck"]["test"]
        kind, command = test[0], test[1:]
        program = command[0] if kind == "CMD" else command[0].split()[0]
        assert program in programs, (name, test)


def test_the_products_service_reads_the_volume_and_nothing_else(compose: dict[str, Any]) -> None:
    products = compose["services"]["products"]
    volumes = [volume.split(":") for volume in products["volumes"]]  # source:target:mode
    assert ["jixiao-data", "/srv/jixiao", "ro"] in volumes
    assert all(volume[2:] == ["ro"] for volume in volumes), volumes
    assert "environment" not in products and "env_file" not in products  # no secret reaches it


def test_the_build_context_leaves_out_environments_state_and_secrets() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".tools", "data", ".env", ".git", ".airflow"} <= ignored
    copied = {
        instruction["value"].split()[0]
        for instruction in DockerfileParser(str(PROJECT_ROOT / "Dockerfile")).structure
        if instruction["instruction"] == "COPY"
    }
    assert not copied & ignored, "the Dockerfile copies what the build context leaves out"


def test_the_image_takes_its_base_as_a_build_argument() -> None:
    dockerfile = DockerfileParser(str(PROJECT_ROOT / "Dockerfile"))
    assert dockerfile.baseimage == "python:3.11-slim-bookworm"  # users' default
    assert "FROM ${BASE_IMAGE}" in dockerfile.content

"""`jixiao-dbt` is dbt's command line: through a night's dbt server when one is named, by itself
otherwise. dbt's JSON log lines carry the id of the process that ran dbt, which tells who did."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from jixiao.airflow import dbt_invocation
from jixiao.runtime import dbt_server
from tests.conftest import PROJECT_ROOT, bin_path

pytestmark = pytest.mark.processes

SERVER = "from jixiao.runtime import dbt_server as s; import sys; s.listen(sys.argv[1]); s.serve()"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A dbt server of its own (its name, its process id), as a night starts one."""
    name = f"jixiao-dbt-test-{os.getpid()}-{tmp_path.name}"
    process = subprocess.Popen([sys.executable, "-c", SERVER, name], cwd=PROJECT_ROOT)
    # A client that comes before the server listens runs dbt itself (the next test's case).
    deadline = time.monotonic() + 60
    while not listening(name):
        assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield name, process.pid
    process.kill()
    process.wait()


def listening(name: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        return probe.connect_ex("\0" + name) == 0


def dbt_command(program: str, work: Path, *command: str, env: dict[str, str]) -> tuple[int, set[int]]:
    """Exit code of `program` (dbt or jixiao-dbt) running a dbt command on the real project, and the
    process ids its JSON log lines name."""
    dbt_dir = PROJECT_ROOT / "dbt_project"
    done = subprocess.run(
        [
            bin_path(program), *command,
            "--project-dir", str(dbt_dir), "--profiles-dir", str(dbt_dir),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
            "--log-format", "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stdout[-2000:] + done.stderr[-2000:]
    return done.returncode, {int(line["info"]["pid"]) for line in lines}


def free(warehouse: Path) -> bool:
    """Whether another process can open the file (dbt-duckdb holds DuckDB's lock while it is open)."""
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException:
        return False
    return True


def test_the_server_runs_dbt_for_the_client_with_dbts_exit_codes(
    tmp_path: Path, server: tuple[str, int]
) -> None:
    name, server_pid = server
    warehouse = tmp_path / "build.duckdb"
    base = {**os.environ, "JIXIAO_DBT_WAREHOUSE": str(warehouse), "JIXIAO_DBT_KEEP_OPEN": "True"}
    served = {**base, dbt_server.SERVER_ENV: name}

    # A seed loads (0); a staging view over raw tables this file does not hold fails (1).
    seed = ("seed", "--select", "departments")
    assert dbt_command("jixiao-dbt", tmp_path, *seed, env=served) == (0, {server_pid})
    # The server closed the build at the invocation's end, kept open through it, and lives on.
    assert free(warehouse)
    failing = ("run", "--select", "stg_raw__documents")
    assert dbt_command("jixiao-dbt", tmp_path, *failing, env=served) == (1, {server_pid})
    code, pids = dbt_command("dbt", tmp_path, *failing, env=base)
    assert code == 1 and server_pid not in pids


def test_without_a_server_the_client_is_dbt_itself(tmp_path: Path) -> None:
    env = {**os.environ, "JIXIAO_DBT_WAREHOUSE": str(tmp_path / "build.duckdb")}
    nowhere = {**env, dbt_server.SERVER_ENV: f"jixiao-dbt-nobody-{os.getpid()}"}
    for environment in (env, nowhere):
        code, pids = dbt_command("jixiao-dbt", tmp_path, "seed", "--select", "departments", env=environment)
        assert code == 0 and len(pids) == 1 and os.getpid() not in pids


def ask_raw(name: str, request: bytes) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect("\0" + name)
        client.sendall(request)
        client.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: client.recv(65536), b"")).decode()


def test_a_request_the_server_cannot_run_ends_in_exit_2_and_the_server_answers_on(
    server: tuple[str, int],
) -> None:
    name, _ = server
    for _ in range(2):  # the second is answered too: the first did not stop the server
        reply = ask_raw(name, json.dumps({"args": ["--version"]}).encode() + b"\n")  # no cwd, no env
        assert reply.endswith("\0jixiao-dbt-exit 2\n")


def test_the_parse_ahead_of_a_night_leaves_the_project_as_it_was_and_a_failure_is_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    files_before = sorted(path.relative_to(project) for path in project.rglob("*"))
    cwd_before, env_before = os.getcwd(), dict(os.environ)
    # The first night: no partial-parse file in Cosmos' cache yet.
    ahead = dbt_server.ParseAhead(
        project,
        dbt_invocation.PROFILE,
        dbt_invocation.TARGET,
        {"JIXIAO_DBT_WAREHOUSE": str(tmp_path / "build.duckdb"), "DO_NOT_TRACK": "1"},
        tmp_path / "cosmos" / "partial_parse.msgpack",
    )
    with caplog.at_level(logging.WARNING, logger=dbt_server.__name__):
        dbt_server.parse_ahead(ahead)
    assert not caplog.records  # dbt parsed the project with the builds' profile and target
    assert sorted(path.relative_to(project) for path in project.rglob("*")) == files_before
    assert (os.getcwd(), dict(os.environ)) == (cwd_before, env_before)

    not_a_project = tmp_path / "empty"
    not_a_project.mkdir()
    with caplog.at_level(logging.WARNING, logger=dbt_server.__name__):
        dbt_server.parse_ahead(dataclasses.replace(ahead, project_dir=not_a_project))
    assert f"dbt could not parse {not_a_project} ahead of the night's builds" in caplog.text

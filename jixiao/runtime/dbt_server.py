"""dbt's invocations of a night, in a warm process of their own: the server, and `jixiao-dbt`, its
client.

Run inside the night's process, dbt added its imports and DuckDB's buffers to Airflow's (the night
process peaked at 530 MiB at 1,000 documents, 700 at 10,000). Instead, a night starts a worker
(`jixiao.runtime.workers`) that binds a Unix socket, imports dbt on the other core and then serves
one invocation at a time. Cosmos runs dbt as a command (`InvocationMode.SUBPROCESS`) whose
executable is `jixiao-dbt`: with `JIXIAO_DBT_SERVER` naming a server, it hands the server its
arguments, working folder and environment, prints what dbt prints there (Cosmos reads dbt's JSON
log lines from it) and exits with dbt's exit code; with no server, or one that does not answer, it
runs dbt itself, as `dbt` would.

The client imports nothing but the standard library: a dbt task costs the night a small process
and a connection, not dbt's imports.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)

SERVER_ENV = "JIXIAO_DBT_SERVER"
# Ends the output of an invocation, followed by dbt's exit code: no text dbt prints holds a NUL.
_EXIT_MARK = "\0jixiao-dbt-exit "
# What a server imports before it answers: the commands a night runs and DuckDB's adapter.
DBT_IMPORTS = ("dbt.adapters.duckdb", "dbt.cli.main", "dbt.task.build", "dbt.task.test")


def server_name() -> str:
    """A name for this process's server: an abstract socket (no file to clean up; it goes with the
    server)."""
    return f"jixiao-dbt-{os.getpid()}"


def _address(name: str) -> str:
    return "\0" + name


# --- the server, in a worker of the night ----------------------------------------------------------

_listener: socket.socket | None = None


def listen(name: str) -> None:
    """The server's first act, before its imports (`DBT_IMPORTS`): a client that comes while dbt is
    imported waits in the backlog instead of finding no server and running dbt itself."""
    global _listener
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(_address(name))
    listener.listen(8)
    _listener = listener


def serve(ahead: ParseAhead | None = None) -> None:
    """Answer clients one after the other, until the night ends this process; first parse the
    project as `ahead` says (`parse_ahead`), when given."""
    if _listener is None:
        raise RuntimeError("the dbt server was not started with listen()")
    if ahead is not None:
        parse_ahead(ahead)
    # dbt's modules, imported by now, live as long as the server: the collections after each
    # invocation need not walk them again.
    gc.collect()
    gc.freeze()
    while True:
        connection, _ = _listener.accept()
        with connection:
            try:
                _answer(connection)
            except Exception:
                # The client has had its exit code (2); a server that stopped answering would
                # leave the next ones waiting in the backlog for ever.
                log.exception("the dbt server could not answer a client")


@dataclass(frozen=True)
class ParseAhead:
    """What the night's builds will hand dbt: the project, the profile and target, the environment
    they add, and their partial-parse file. dbt parses the project again in full unless the
    profile, the target and the environment variables the profile reads are those of the file."""

    project_dir: Path
    profile: str
    target: str
    env: dict[str, str]
    partial_parse_file: Path


def parse_ahead(ahead: ParseAhead) -> None:
    """A `dbt parse` of the project as the night's builds will parse it, its output and files
    thrown away: dbt's first invocation in a process sets up what later ones reuse (the adapter's
    registration, Jinja's templates, the parsers), a second more than the next one takes. Done
    while the night waits for its first task, the first build finds it done (docs/performance.md).
    A failure is only logged: the build that follows fails with dbt's own message."""
    from dbt.cli.main import dbtRunner

    project = str(ahead.project_dir)
    with (
        tempfile.TemporaryDirectory(prefix="jixiao-dbt-parse-") as scratch,
        _as_requested(project, {**os.environ, **ahead.env}),
        open(os.devnull, "w") as nowhere,
        contextlib.redirect_stdout(nowhere),
        contextlib.redirect_stderr(nowhere),
    ):
        # dbt's partial parse of the night before, as Cosmos hands it to the builds.
        with contextlib.suppress(OSError):
            shutil.copyfile(ahead.partial_parse_file, Path(scratch) / ahead.partial_parse_file.name)
        args = ["--quiet", "--log-level-file", "none", "--no-write-json", "parse", "--project-dir", project]
        args += ["--profiles-dir", project, "--profile", ahead.profile, "--target", ahead.target]
        # dbt makes its log folder even when it writes no log file.
        result = dbtRunner().invoke([*args, "--target-path", scratch, "--log-path", scratch])
    _reset_adapters()
    if not result.success:
        log.warning("dbt could not parse %s ahead of the night's builds: %s", project, result.exception)


class _ToClient:
    """What dbt prints, sent to the client as it comes; a client gone (its task killed) is ignored:
    the invocation runs to its end, as a killed `dbt` process's would not, but the night that killed
    it has failed that task, and a retry waits for it."""

    def __init__(self, connection: socket.socket) -> None:
        self._stream = connection.makefile("w", encoding="utf-8", errors="replace", newline="\n")
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                self._stream.write(text)
                if "\n" in text:
                    self._stream.flush()
            except OSError:
                self._gone = True
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except OSError:
                self._gone = True

    def isatty(self) -> bool:
        return False


def _answer(connection: socket.socket) -> None:
    with connection.makefile("rb") as reader:
        request = json.loads(reader.readline() or b"null")
    if not isinstance(request, dict):
        return
    output = _ToClient(connection)
    code = 2
    try:
        with (
            _as_requested(request["cwd"], request["env"]),
            contextlib.redirect_stdout(output),
            contextlib.redirect_stderr(output),
        ):
            code = invoke(list(request["args"]))
    finally:
        output.write(f"{_EXIT_MARK}{code}\n")
        output.flush()
        # After the client has its exit code (the build is closed by then): the task goes on while
        # this process tidies up, and the next client waits in the backlog meanwhile.
        _reset_adapters()


@contextlib.contextmanager
def _as_requested(cwd: str, env: dict[str, str]) -> Iterator[None]:
    """The client's working folder and environment (dbt reads both: the project, the profile's
    `env_var`s), this process's own again afterwards."""
    before_cwd, before_env = os.getcwd(), dict(os.environ)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before_env)
        os.chdir(before_cwd)


def invoke(args: list[str]) -> int:
    """One dbt invocation, with `dbt`'s exit code: 0 success, 1 a node failed, 2 dbt itself failed.
    The DuckDB database dbt-duckdb keeps open is closed at its end, whatever happened; dbt's
    adapters are reset by the caller (`_reset_adapters`)."""
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(args)
    finally:
        close_duckdb()
    if result.success:
        return 0
    return 1 if result.exception is None else 2


def close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb holds in this process, if any.

    dbt-duckdb keeps one environment per process, on the class, and drops it only at exit; with
    `keep_open` (JIXIAO_DBT_KEEP_OPEN, dbt_project/profiles.yml) it holds the build open between
    nodes, instead of opening it again for each. A process that outlives an invocation (this server,
    a task's process) would keep the build locked for the checkpoints' worker, the publication and
    BI readers.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def _reset_adapters() -> None:
    # As Cosmos does after an invocation it runs in its own process: dbt's adapters hold the
    # invocation's connections and semaphores until reset.
    from dbt.adapters.factory import reset_adapters

    reset_adapters()  # type: ignore[no-untyped-call]
    gc.collect()


# --- the client: `jixiao-dbt` ----------------------------------------------------------------------


def launcher() -> Path:
    """The path of `jixiao-dbt`, beside this interpreter (a virtual environment's or the image's)."""
    return Path(sys.executable).with_name("jixiao-dbt")


def _ask(name: str, args: list[str], out: TextIO) -> int | None:
    """dbt's exit code from the server `name`, its output written to `out`; None when no server
    listens under that name (the caller runs dbt itself)."""
    try:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(_address(name))
    except OSError:
        return None
    with connection:
        request = {"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}
        connection.sendall(json.dumps(request).encode() + b"\n")
        with connection.makefile("r", encoding="utf-8", errors="replace", newline="\n") as replies:
            for line in replies:
                if line.startswith(_EXIT_MARK):
                    return int(line[len(_EXIT_MARK) :])
                out.write(line)
                out.flush()
    # The server died in the middle (killed, out of memory): like a dbt process that did.
    out.write("jixiao-dbt: the dbt server ended before the invocation did\n")
    return 2


def _run_dbt_here(args: list[str]) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    os.execv(dbt, [str(dbt), *args])


def main() -> None:
    """`jixiao-dbt ARGS`: dbt's command line, through the night's server when there is one."""
    args = sys.argv[1:]
    name = os.environ.get(SERVER_ENV)
    code = _ask(name, args, sys.stdout) if name else None
    if code is None:
        _run_dbt_here(args)
    sys.exit(code)

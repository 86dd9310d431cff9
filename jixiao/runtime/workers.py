"""Where the night's heavy work runs: in fresh interpreters of their own, beside the process that
runs Airflow and dbt.

The night process holds Airflow (about 310 MiB) and dbt. The raw build, the publication and the
report (DuckDB's buffers, Arrow tables, plotly) and the reconciliation checkpoints (Great
Expectations alone imports 280 MiB of modules, in about 10 s) would add their memory to it: glibc
and DuckDB keep what they took, and together they went past 700 MiB at 1,000 documents. Each kind
of work runs instead in a worker process of its own, which no other work's memory joins:

- `GATE_WORKER`: the reconciliation checkpoints (Great Expectations);
- `WAREHOUSE_WORKER`: the raw build, the publication and the report (DuckDB, Arrow, plotly);
- `DBT_WORKER`: dbt's invocations, served to the dbt tasks' `jixiao-dbt` commands
  (`jixiao.runtime.dbt_server`).

A night in one process (`jixiao.airflow.nightly`, `begin_night`) starts its workers ahead of need,
their imports done on the other core while the night does other things (the gate's and dbt's at a
lower priority, `Worker.nice`): the warehouse worker and dbt's server as the night begins, while
Airflow prepares the first task; the gate's when the landing finds documents to parse
(`expect_transform`) or is about to make a build (`prepare_transform`). It ends them as it ends.
A task elsewhere (a Celery worker, a test) finds no warm worker and runs its work in a fresh
interpreter for the call (`run_warm` falls back on `run_apart`). Workers are started with
multiprocessing's `spawn`: nothing of the parent's state, threads or locks is inherited; each dies
with the process that started it (`kill -9` of a night or of a task process leaves none behind).
"""

from __future__ import annotations

import ctypes
import importlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from multiprocessing.process import AuthenticationString  # type: ignore[attr-defined]
from typing import ParamSpec, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_warm: dict[str, ProcessPoolExecutor] = {}
_night: dict[str, Worker] = {}  # the workers of the night this process runs (begin_night), if any
_background: list[Future[object]] = []  # work submitted and not waited for (run_in_background)


@contextmanager
def may_have_children() -> Iterator[None]:
    """Let this process start children, wherever it runs.

    - Celery's prefork pool processes are billiard's: daemonic, which multiprocessing forbids to
      start children, and holding an authentication key of billiard's type, which `spawn` cannot
      pass on ("Pickling an AuthenticationString object is disallowed"). Within the block the
      process is not daemonic and its key is multiprocessing's, with the same bytes. No child
      outlives the task: a pool is joined when its work is done, and a worker dies with the
      process that started it.
    - `spawn` runs the parent's main script again in each child unless it was started as a module
      (`python -m`): in an Airflow task process that script is `airflow` itself, whose import fails
      there (a task process has no metadata DB). What a child runs is always a function of a
      package, never of the main script, so the script is hidden from `spawn` within the block.
    """
    process = multiprocessing.current_process()
    config = process._config  # type: ignore[attr-defined]
    daemonic, authkey = config.get("daemon"), config.get("authkey")
    config["daemon"] = False
    if authkey is not None:
        config["authkey"] = AuthenticationString(bytes(authkey))
    main = sys.modules["__main__"]
    script = getattr(main, "__file__", None) if getattr(main, "__spec__", None) is None else None
    if script is not None:
        del main.__file__
    try:
        yield
    finally:
        config["daemon"] = daemonic
        if authkey is not None:
            config["authkey"] = authkey
        if script is not None:
            main.__file__ = script


# The night's workers, by name. What each imports as it starts is the caller's to say (`Worker`):
# the runtime runs work, it does not know the stages.
GATE_WORKER = "gate"
WAREHOUSE_WORKER = "warehouse"
DBT_WORKER = "dbt"


@dataclass(frozen=True)
class Worker:
    """A worker a night starts ahead of need, and the modules it imports as it starts; what it
    prepares once they are imported, ahead of its first work (`prepare`: work the first call would
    otherwise do). A server is given too what it does first, before its imports (`start`: binds its
    address) and what it runs from then to the end of the night (`serve`); nothing is submitted to
    it."""

    name: str
    imports: tuple[str, ...] = ()
    prepare: Callable[[], None] | None = None
    start: Callable[[], None] | None = None
    serve: Callable[[], None] | None = None
    # Started as the night begins (`begin_night`), or only when a transform is expected
    # (`expect_transform`): a night with nothing new then spends none of the worker's imports.
    at_night_start: bool = True
    # Added to the worker's nice value as it starts: a worker whose imports run beside the landing
    # takes what the landing leaves of the cores, not half of them. Its later work, when the night
    # waits for it, is not slowed on a machine with nothing else to do (docs/performance.md).
    nice: int = 0


def _start(start: Callable[[], None] | None, modules: tuple[str, ...], nice: int = 0) -> None:
    if nice:
        os.nice(nice)
    if start is not None:
        start()
    for module in modules:
        importlib.import_module(module)


PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when the thread that started it ends
PR_SET_NAME = 15  # prctl(2): the process's name, as ps, top and /proc/<pid>/comm show it


def _start_worker(parent: int, name: str, initializer: Callable[[], None] | None) -> None:
    """A worker's first act: die with its parent. A parent killed alone (a Celery task process past
    its timeout, the night's process by the OOM killer) would otherwise leave it waiting for work
    for ever: it holds both ends of its own queue, so it never sees the parent go."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # Every worker's command line is multiprocessing's: its name tells them apart (at most 15 bytes).
    libc.prctl(PR_SET_NAME, f"jixiao-{name}".encode()[:15])
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    if initializer is not None:
        initializer()


def _new_worker(name: str, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    with may_have_children():
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=partial(_start_worker, os.getpid(), name, initializer),
        )


def _ready() -> None:
    """A task whose only effect is to make the pool start its worker (and run its initializer)."""


def _prepared(prepare: Callable[[], None]) -> None:
    """`prepare`, the first task of a worker. What fails in it is only logged: the work it prepares
    does the same itself when it comes, and fails there, in its task, if it must."""
    try:
        prepare()
    except Exception:
        log.exception("a worker could not prepare ahead of need; its first work will")


def warm_up(worker: Worker) -> None:
    """Start `worker` now, doing its imports in the background."""
    name = worker.name
    if name in _warm:
        return
    pool = _new_worker(name, partial(_start, worker.start, worker.imports, worker.nice))
    with may_have_children():
        # The pool starts its process on the first submission.
        pool.submit(worker.serve or (partial(_prepared, worker.prepare) if worker.prepare else _ready))
    _warm[name] = pool
    log.info("started the %s worker ahead of need", name)


def begin_night(workers: Collection[Worker]) -> None:
    """This process runs a whole night (`jixiao.airflow.nightly`) with these `workers`, living as
    long as it does; those marked `at_night_start` start now, their imports running while the
    night's first task waits for Airflow's in-process Execution API, which leaves the other core
    idle (docs/performance.md)."""
    _night.update((worker.name, worker) for worker in workers)
    for worker in workers:
        if worker.at_night_start:
            warm_up(worker)


def end_night() -> None:
    _wait_for_background()
    close_warm()
    _night.clear()


def is_warm(name: str) -> bool:
    """Whether this process started the worker `name` ahead of need (a night's process does)."""
    return name in _warm


def run_in_background(name: str, fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
    """`fn(...)` in the warm worker `name`, not waited for: the night goes on, and waits for it as it
    ends (`end_night`). Work submitted later to the same worker runs after it."""
    with may_have_children():
        _background.append(_warm[name].submit(fn, *args, **kwargs))


# How long a night's end waits for the work it left to the background (`run_in_background`).
BACKGROUND_TIMEOUT_SECONDS = 600


def _wait_for_background() -> None:
    """Wait for the work left to the background; what failed or is still running is logged, never
    raised: it renders what the night already decided."""
    while _background:
        future = _background.pop(0)
        try:
            future.result(timeout=BACKGROUND_TIMEOUT_SECONDS)
        except Exception:
            log.exception("work the night left to a worker's background did not finish")


def expect_transform() -> None:
    """The landing found documents to parse, so a build and a transform will most likely follow: in
    a night's process the workers not started with the night start now (the gate's: Great
    Expectations takes about 10 s of a core to import, done while the parse and the build leave a
    core idle). Elsewhere (a Celery task process ends with its task) nothing."""
    prepare_transform()


def prepare_transform() -> None:
    """The landing is about to make a build, so a transform follows: in a night's process, every
    worker of the night not started yet. Elsewhere nothing."""
    for worker in _night.values():
        warm_up(worker)


def close_warm() -> None:
    """End every warm worker (at the end of a night; a pending import is not waited for)."""
    while _warm:
        _name, worker = _warm.popitem()
        # Taken before shutdown, which forgets them: a worker still importing would otherwise keep
        # the night from exiting until its imports are done.
        processes = list((getattr(worker, "_processes", None) or {}).values())
        worker.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()


def run_apart(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` in a fresh interpreter: its result, or its exception raised here."""
    with may_have_children(), _new_worker("apart") as worker:
        return worker.submit(fn, *args, **kwargs).result()


def run_warm(name: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(...)` in the warm worker `name` if the night started one, else in a fresh interpreter."""
    worker = _warm.get(name)
    if worker is None:
        return run_apart(fn, *args, **kwargs)
    try:
        with may_have_children():
            return worker.submit(fn, *args, **kwargs).result()
    except BrokenProcessPool:
        # The worker died (killed, out of memory): the task fails, and its retry starts a fresh one.
        _warm.pop(name, None)
        raise

"""The three nights of `bench_nightly.py` through the production path: Airflow's scheduler with the
CeleryExecutor, two Celery workers (two task slots each) on a Redis broker, the metadata DB on
PostgreSQL, as `docker-compose.yml` runs them but as processes on this machine.

    .venv/bin/python bench/bench_production.py DIR        # e.g. a corpus from ../shared/corpus-tools
    .venv/bin/python bench/bench_production.py            # the bundled samples

Needs PostgreSQL on 127.0.0.1:5432 (trust) and redis-server. DIR is copied to a temporary landing
folder; the stack gets a metadata database and a Redis of its own (`tests/deploy/stack.py`). Each
night triggers `jixiao_landing` and ends when the transform run its Asset event started has ended:
wall seconds from the trigger, peak RSS per kind of process (the scheduler, a Celery worker's own
processes, the task processes it starts, the work they place apart: `jixiao.runtime.workers`, and parse
workers), parse pages/s, and the summed durations of the dbt and reconciliation tasks.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
from bench_nightly import (  # type: ignore[import-not-found]
    Night,
    children,
    cmdline,
    night_figures,
    print_nights,
    republish,
    status_kib,
)

from tests.deploy.stack import metadata, production_stack, redis_with_password, wait_for_dags

POLL_SECONDS = 0.2
KINDS = ("scheduler", "api-server", "dag-processor", "Celery worker", "task process", "apart worker")


@dataclass
class StackWatch:
    """Peak RSS per kind of process over the stack's process trees, sampled until stopped."""

    pids: dict[str, int]
    peaks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    _stop: threading.Event = field(default_factory=threading.Event)

    def _kind(self, service: str, pid: int, depth: int) -> str:
        if "multiprocessing.spawn" in cmdline(pid):
            return "apart worker"
        if service.startswith("worker"):
            # The worker's main process and its prefork pool; below them, the task processes.
            return "Celery worker" if depth <= 1 else "task process"
        return service

    def _sample(self) -> None:
        for service, root in self.pids.items():
            stack = [(root, 0)]
            while stack:
                pid, depth = stack.pop()
                kind = self._kind(service, pid, depth)
                self.peaks[kind] = max(self.peaks[kind], status_kib(pid, "VmHWM"))
                stack.extend((child, depth + 1) for child in children(pid))

    def run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(POLL_SECONDS)

    def reset(self) -> None:
        self.peaks = dict.fromkeys(KINDS, 0)

    def stop(self) -> None:
        self._stop.set()


def _ended(stack: dict[str, object], run_id: str, since: datetime) -> bool:
    """The landing run ended, and so did every transform run started since, with no Asset event
    left for another one."""
    landing = metadata(stack, f"select state from dag_run where run_id = '{run_id}'")
    if not landing or landing[0][0] not in ("success", "failed"):
        return False
    transforms = metadata(
        stack,
        f"select state from dag_run where dag_id = 'jixiao_transform' and queued_at >= '{since.isoformat()}'",
    )
    queued = metadata(
        stack, "select count(*) from asset_dag_run_queue where target_dag_id = 'jixiao_transform'"
    )
    return (
        bool(transforms)
        and all(state in ("success", "failed") for (state,) in transforms)
        and queued == [(0,)]
    )


def run_night(
    stack: dict[str, object], watch: StackWatch, name: str, new_pdfs: list[Path], logical_date: object = None
) -> Night:
    pages = sum(len(pdfium.PdfDocument(path)) for path in new_pdfs)
    run_id = f"bench_{name.split()[0]}_{int(time.time())}"
    since = datetime.now(UTC)
    watch.reset()
    extra = ["--logical-date", logical_date.isoformat()] if isinstance(logical_date, datetime) else []
    subprocess.run(
        [str(stack["airflow"]), "dags", "trigger", "jixiao_landing", "--run-id", run_id, *extra],
        env=stack["env"],  # type: ignore[arg-type]
        check=True,
        capture_output=True,
    )
    if logical_date is not None:  # the first night: the runs are queued, now let them start
        for dag_id in ("jixiao_transform", "jixiao_landing"):
            subprocess.run(
                [str(stack["airflow"]), "dags", "unpause", dag_id],
                env=stack["env"],  # type: ignore[arg-type]
                check=True,
                capture_output=True,
            )
    deadline = time.monotonic() + 3600
    while not _ended(stack, run_id, since):
        if time.monotonic() > deadline:
            raise SystemExit(f"night {name!r} did not end within an hour")
        time.sleep(1)
    runs = metadata(
        stack,
        "select dag_id, state, end_date from dag_run where run_id = "
        f"'{run_id}' or (dag_id = 'jixiao_transform' and queued_at >= '{since.isoformat()}')",
    )
    last_end = max(end for _, _, end in runs if isinstance(end, datetime))
    seconds = (last_end - since).total_seconds()
    tasks = metadata(
        stack,
        "select task_id, extract(epoch from start_date), extract(epoch from end_date) from task_instance"
        f" where start_date >= '{since.isoformat()}' and end_date is not null",
    )
    spans = [(str(task_id), float(start), float(end)) for task_id, start, end in tasks]  # type: ignore[arg-type]
    return Night(
        name,
        "/".join(f"{dag_id.removeprefix('jixiao_')} {state}" for dag_id, state, _ in sorted(runs)),  # type: ignore[type-var]
        seconds,
        {kind: kib / 1024 for kind, kib in watch.peaks.items()},
        pages,
        *night_figures(spans),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpus", nargs="?", type=Path, help="folder of PDFs (<year>/<file>.pdf); default: samples"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (printed)")
    args = parser.parse_args()
    project = Path(__file__).resolve().parent.parent
    corpus = args.corpus or project / "data" / "samples"
    root = Path(tempfile.mkdtemp(prefix="jixiao-bench-production-"))
    landing = root / "landing"
    shutil.copytree(corpus, landing, ignore=shutil.ignore_patterns("*.json", "*.csv", "*.xlsx", "*.docx"))
    pdfs = sorted(landing.rglob("*.pdf"))
    with (
        redis_with_password(secrets.token_urlsafe(24)) as broker,
        production_stack(root, landing, broker, {"JIXIAO_EXPORT_DIR": str(root / "exports")}) as stack,
    ):
        watch = StackWatch(dict(stack["pids"]))  # type: ignore[call-overload]
        threading.Thread(target=watch.run, daemon=True).start()
        latest = wait_for_dags(stack)["jixiao_landing"]
        nights = [run_night(stack, watch, f"full ({len(pdfs)} documents new)", pdfs, logical_date=latest)]
        nights.append(run_night(stack, watch, "nothing new", []))
        form = next((pdf for pdf in pdfs if "dept_target_form" in pdf.name), pdfs[0])
        republish(form)
        nights.append(run_night(stack, watch, f"one new document among {len(pdfs)}", [form]))
        watch.stop()
    print_nights(
        f"the production path (Celery, 2 workers × 2 slots) over {corpus} ({len(pdfs)} documents), "
        f"{os.cpu_count()} cores",
        "runs",
        KINDS,
        nights,
    )
    if args.keep:
        print(f"kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

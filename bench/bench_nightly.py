"""Three nights of `jixiao run` over any folder of PDFs, one table: wall time, peak memory per kind
of process, parse speed, dbt and gate time.

    .venv/bin/python bench/bench_nightly.py DIR            # e.g. a corpus from ../shared/corpus-tools
    .venv/bin/python bench/bench_nightly.py DIR1 DIR2      # one table per corpus, then the goals
    .venv/bin/python bench/bench_nightly.py                # the bundled samples

DIR is copied to a temporary landing folder (`<year>/<file>.pdf` as the landing expects), with a fresh
Airflow home (migrated before the first night, not counted) and state folder. The nights:

1. full: every document new;
2. nothing new: the same folder again;
3. one new document: one form re-published (same pages, new bytes) among the rest;
   with `--repeat N`, nights 2 and 3 run N times each (another form each time) and the table and
   the goals take the median of each;
4. with `--nights N`, N-1 more such nights, the last of them reported: what grows with the history a
   state folder keeps (every run's reconciliation results) shows there.

Peak RSS is each process's high-water mark (VmHWM), read every 0.1 s from /proc for the whole
process tree, and reported per kind: the `jixiao run` parent, the night process (Airflow), the
workers it places work in (`jixiao.runtime.workers`, told apart by their process names: the gate's
Great Expectations; the warehouse's raw build, publication and report; the dbt server), parse
workers. Parse, dbt and gate seconds come from the task
instances Airflow recorded for the night: the span of the `parse` tasks, the summed durations of
the dbt tasks, of the two reconciliation tasks. CPU seconds are the user and system time of the
night's whole process tree (every process `jixiao run` waited for): less disturbed than wall time
by other work on the machine.

With several corpora (the smallest first), a last table holds the incremental goals: a night with
one new document against twice the night with nothing new plus that document's parse; the same
night on each larger corpus against the smallest; the full night against the smallest's times the
ratio of their sizes; the night with nothing new alike at every size; peak memory under 500 MiB.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pypdfium2 as pdfium

from jixiao.cli.run import airflow_environment, ensure_airflow_db
from jixiao.cli.tables import print_table
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note

POLL_SECONDS = 0.1
KINDS = (
    "jixiao run",
    "night (Airflow)",
    "gate (GE)",
    "warehouse (DuckDB writers)",
    "dbt server",
    "parse worker",
    "other",
)
# The night's workers (`jixiao.runtime.workers`) by the process name each gives itself.
WORKER_KINDS = {"jixiao-gate": KINDS[2], "jixiao-warehous": KINDS[3], "jixiao-dbt": KINDS[4]}


def status_kib(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class MemoryWatch:
    """Peak RSS per kind of process in the tree under `root`, sampled until stopped."""

    root: int
    peaks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    _stop: threading.Event = field(default_factory=threading.Event)

    def _kind(self, pid: int, parent: int | None, parent_line: str) -> str:
        line = cmdline(pid)
        if pid == self.root:
            return KINDS[0]
        if "multiprocessing.spawn" in line:
            return WORKER_KINDS.get(comm(pid), KINDS[-1])
        if "jixiao.airflow.nightly" in line:
            # Parse workers are forked from the night process: the same command line, its children.
            return KINDS[5] if "jixiao.airflow.nightly" in parent_line and parent != self.root else KINDS[1]
        return KINDS[-1]

    def _sample(self) -> None:
        stack: list[tuple[int, int | None, str]] = [(self.root, None, "")]
        while stack:
            pid, parent, parent_line = stack.pop()
            kind = self._kind(pid, parent, parent_line)
            self.peaks[kind] = max(self.peaks[kind], status_kib(pid, "VmHWM"))
            line = cmdline(pid)
            stack.extend((child, pid, line) for child in children(pid))

    def run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Night:
    name: str
    outcome: str  # `jixiao run`'s exit code; the DAG runs' states through the production path
    seconds: float
    peaks_mib: dict[str, float]
    pages: int
    parse_seconds: float
    dbt_seconds: float
    gate_seconds: float
    build: str = ""  # how the night's build was made: full, incremental, or none (nothing new)
    cpu_seconds: float | None = None  # user + system time of the whole process tree


def _task_times(airflow_db: Path, since: datetime) -> list[tuple[str, str, float, float]]:
    """(dag_id, task_id, start, end) of the task instances that ran since `since` (epoch seconds)."""
    with sqlite3.connect(airflow_db) as connection:
        rows = connection.execute(
            "select dag_id, task_id, start_date, end_date from task_instance"
            " where start_date >= ? and end_date is not null",
            [since.strftime("%Y-%m-%d %H:%M:%S")],
        ).fetchall()

    def epoch(value: str) -> float:
        return datetime.fromisoformat(value).timestamp()

    return [(dag_id, task_id, epoch(start), epoch(end)) for dag_id, task_id, start, end in rows]


def run_night(name: str, env: dict[str, str], settings: Settings, new_pdfs: list[Path]) -> Night:
    since = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    pages = sum(len(pdfium.PdfDocument(path)) for path in new_pdfs)
    jixiao = str(Path(sys.executable).with_name("jixiao"))
    started = time.perf_counter()
    cpu_before = _children_cpu()
    process = subprocess.Popen(
        [jixiao, "run", "--quiet"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    watch = MemoryWatch(process.pid)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    cpu_seconds = _children_cpu() - cpu_before
    watch.stop()
    thread.join()
    text = output.decode(errors="replace")
    # A night that published what it could and failed for rejected documents still counts (the
    # generated corpus has documents reconciliation rejects); one that published nothing does not.
    if process.returncode != 0 and "the rest was published" not in text and "nothing changed" not in text:
        sys.stdout.write(text[-4000:])
        raise SystemExit(f"night {name!r}: jixiao run exited {process.returncode}")
    tasks = _task_times(settings.airflow_home / "airflow.db", since)
    landing = settings.state.read(Note.LANDING) or {}
    return Night(
        name,
        str(process.returncode),
        seconds,
        {kind: kib / 1024 for kind, kib in watch.peaks.items()},
        pages,
        *night_figures([(task_id, start, end) for _, task_id, start, end in tasks]),
        build=str(landing.get("build_mode") or "none"),
        cpu_seconds=cpu_seconds,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def night_figures(spans: list[tuple[str, float, float]]) -> tuple[float, float, float]:
    """From a night's task instances (task id, start, end in epoch seconds): the span of its `parse`
    tasks, the summed durations of its dbt tasks and of its two reconciliation tasks."""
    parse = [(start, end) for task_id, start, end in spans if task_id == "parse"]
    parse_seconds = max(end for _, end in parse) - min(start for start, _ in parse) if parse else 0.0
    dbt = sum(end - start for task_id, start, end in spans if task_id.startswith("dbt_"))
    gate = sum(end - start for task_id, start, end in spans if task_id.startswith("reconcile_"))
    return parse_seconds, dbt, gate


def print_nights(title: str, outcome: str, kinds: Sequence[str], nights: list[Night]) -> None:
    """The benchmarks' one table: a row per night."""
    with_cpu = any(night.cpu_seconds is not None for night in nights)
    print_table(
        title,
        [
            "night",
            outcome,
            "build",
            "wall s",
            *(["cpu s"] if with_cpu else []),
            *(f"peak MiB: {kind}" for kind in kinds),
            "parse pages/s",
            "dbt s",
            "gate s",
        ],
        [
            (
                night.name,
                night.outcome,
                night.build or "-",
                f"{night.seconds:.1f}",
                *([f"{night.cpu_seconds:.1f}" if night.cpu_seconds is not None else "-"] if with_cpu else []),
                *(f"{night.peaks_mib[kind]:.0f}" for kind in kinds),
                f"{night.pages / night.parse_seconds:.1f}" if night.parse_seconds else "-",
                f"{night.dbt_seconds:.1f}",
                f"{night.gate_seconds:.1f}",
            )
            for night in nights
        ],
    )


def republish(pdf: Path) -> None:
    """The same pages under new bytes: a corrected re-publication superseding the document."""
    writer = pypdf.PdfWriter(clone_from=pdf)
    writer.add_metadata({"/Subject": f"re-published {time.time()}"})
    writer.write(pdf)


PEAK_GOAL_MIB = 500


@dataclass
class CorpusNights:
    corpus: Path
    documents: int
    full: Night
    nothing_new: Night
    one_new: Night


def goals(runs: list[CorpusNights]) -> list[tuple[str, str, str, str]]:
    """(goal, measured, bound, met) for the incremental goals over corpora of different sizes."""
    rows: list[tuple[str, str, str, str]] = []

    def row(goal: str, measured: float, bound: float, unit: str = "s") -> None:
        met = "yes" if measured <= bound else "NO"
        rows.append((goal, f"{measured:.1f} {unit}", f"≤ {bound:.1f} {unit}", met))

    for run in runs:
        size = f"among {run.documents:,}"
        row(
            f"one new document {size} ≤ 2 × nothing new + its parse",
            run.one_new.seconds,
            2 * run.nothing_new.seconds + run.one_new.parse_seconds,
        )
        peak = max(max(night.peaks_mib.values()) for night in (run.full, run.nothing_new, run.one_new))
        row(f"peak memory of any process, {run.documents:,} documents", peak, PEAK_GOAL_MIB, "MiB")
    smallest = runs[0]
    for run in runs[1:]:
        ratio = run.documents / smallest.documents
        row(
            f"one new among {run.documents:,} within 20 % of among {smallest.documents:,}",
            run.one_new.seconds,
            1.2 * smallest.one_new.seconds,
        )
        row(
            f"full night over {run.documents:,} ≤ {ratio:g} × over {smallest.documents:,}",
            run.full.seconds,
            ratio * smallest.full.seconds,
        )
        row(
            f"nothing new among {run.documents:,} within 20 % of among {smallest.documents:,}",
            run.nothing_new.seconds,
            1.2 * smallest.nothing_new.seconds,
        )
    return rows


def median(nights: list[Night]) -> Night:
    """The night of median wall time (the faster of the middle two), named with how many ran."""
    middle = sorted(nights, key=lambda night: night.seconds)[(len(nights) - 1) // 2]
    if len(nights) == 1:
        return middle
    return dataclasses.replace(middle, name=f"{middle.name} (median of {len(nights)})")


def run_corpus(corpus: Path, extra_nights: int, keep: bool, repeat: int = 1) -> CorpusNights:
    """The nights of the module's docstring over a copy of `corpus`; prints their table."""
    root = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    landing = root / "landing"
    shutil.copytree(corpus, landing, ignore=shutil.ignore_patterns("*.json", "*.csv", "*.xlsx", "*.docx"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "JIXIAO_LANDING_DIR": str(landing),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
        "JIXIAO_EXPORT_DIR": str(root / "exports"),
    }
    settings = Settings.from_env(env)
    ensure_airflow_db(settings, airflow_environment(settings))  # once per Airflow home: not a nightly cost
    pdfs = sorted(landing.rglob("*.pdf"))
    nights = [run_night(f"full ({len(pdfs)} documents new)", env, settings, pdfs)]
    nothing_new = [run_night("nothing new", env, settings, []) for _ in range(repeat)]
    forms = [pdf for pdf in pdfs if "dept_target_form" in pdf.name] or pdfs
    one_new = []
    for number in range(repeat):
        form = forms[number % len(forms)]
        republish(form)
        one_new.append(run_night(f"one new document among {len(pdfs)}", env, settings, [form]))
    nights += [median(nothing_new), median(one_new)]
    # What grows with the nights a state folder has seen (the results of every run are kept): each
    # night re-publishes another form.
    for number in range(2, extra_nights + 1):
        form = forms[(number - 1) % len(forms)]
        republish(form)
        night = run_night(f"one new document, night {number + 2} on this state folder", env, settings, [form])
        if number == extra_nights:
            nights.append(night)
    print_nights(
        f"jixiao run over {corpus} ({len(pdfs)} documents), {os.cpu_count()} cores", "exit", KINDS[:6], nights
    )
    if keep:
        print(f"kept: {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)
    return CorpusNights(corpus, len(pdfs), *nights[:3])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "corpora",
        nargs="*",
        type=Path,
        help="folders of PDFs (<year>/<file>.pdf), smallest first; default: the samples",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (printed)")
    parser.add_argument(
        "--nights",
        type=int,
        default=1,
        metavar="N",
        help="one-document nights in a row on the same state folder (default 1); with N > 1 the table "
        "adds the last, whose warehouse holds N+1 nights of reconciliation results",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run the night with nothing new and the one-document night N times each and report the "
        "median of each (default 1): one run of a 10-20 s night varies by a tenth on a busy machine",
    )
    args = parser.parse_args()
    corpora = args.corpora or [Settings.from_env().project_root / "data" / "samples"]
    runs = [run_corpus(corpus, args.nights, args.keep, args.repeat) for corpus in corpora]
    print_table("incremental goals", ["goal", "measured", "bound", "met"], goals(runs))


if __name__ == "__main__":
    main()

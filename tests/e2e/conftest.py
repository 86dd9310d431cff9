"""Two stories of nights through `jixiao run` (one child process running both DAGs), read by the e2e
modules. A night costs most of a minute on two cores, so modules share nights: each night is set up
so that every module's assertions hold on it, while BI readers query the served warehouse
throughout. The two stories run on two pytest-xdist workers (`xdist_group`), beside each other.

`story` (test_nightly_run, test_concurrent_runs, test_concurrent_readers, test_reconciliation_night):

1. `concurrent_a` / `concurrent_b`: the four samples and a broken download land in a fresh
   Airflow home; two `jixiao run` start together, one waits for the other. The broken file is
   quarantined (and tried again by the second).
2. `cleaned_up`: the broken file is gone: it leaves the quarantine; nothing to parse at all.
3. `rejected`: 黄埔's form re-printed with 基本支出 raised by 100.00: reconciliation rejects it, the
   accepted version keeps serving, the run fails naming the document, the check and both sides.
4. `rejected_again`: nothing changed; the rejection still fails the night.

`crashes` (test_crash_safety): a `clean` night on the samples; every document re-published (new
bytes); `killed_parsing` (one parse worker, killed -9 once the first new document reaches the raw
zone); then one night per point of KILL_CHAIN, each killed -9 there; `recovered` converges.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pypdf
import pytest

from ingest.zone import is_complete
from jixiao.airflow.dbt_build import NOTHING_TO_BUILD
from jixiao.runtime.failpoints import PAUSE_MARKER, POINTS
from jixiao.runtime.ledger import Ledger
from tests.alert_sinks import alert_sinks
from tests.conftest import SAMPLE_FILES, bin_path, jixiao_env
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf

READERS = 3
# A dashboard refreshing every half second; faster, the readers take the CPU the nights need.
READ_EVERY_SECONDS = 0.5
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WAITING = re.compile(r"jixiao: waiting for the refresh already running \(pid (\d+)\) to finish")
HUANGPU_FORM = "2023/huangpu_2023_dept_target_form.pdf"


@dataclass
class Night:
    name: str
    returncode: int
    output: str  # stdout and stderr, ANSI codes removed
    pid: int = 0


@dataclass
class Story:
    root: Path
    env: dict[str, str]
    nights: dict[str, Night] = field(default_factory=dict)
    # After each night that ended: the marts (mart_budget_overview, every column) and the served
    # file's digest; for the readers, what each publication holds (see `snapshot`).
    marts: dict[str, Rows] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    published: list[dict[str, str]] = field(default_factory=list)
    reads: list[dict[str, object]] = field(default_factory=list)
    leftovers: dict[str, list[str]] = field(default_factory=dict)  # raw-zone temp folders after a kill
    # After each night: every mart as row hashes (`mart_hashes`), and what is wrong with the ledger.
    hashes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    ledger_problems: dict[str, list[str]] = field(default_factory=dict)
    env_for: dict[str, dict[str, str]] = field(default_factory=dict)  # a night's own variables
    mails: list[EmailMessage] = field(default_factory=list)  # the alerts the nights sent
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)  # each ended night's log (jixiao-run.log)

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def landing(self) -> Path:
        return self.root / "landing"


def in_order(story: Story) -> tuple[Night, Night]:
    """The two concurrent nights: (the run that went first, the run that waited for it)."""
    a, b = story.nights["concurrent_a"], story.nights["concurrent_b"]
    return (b, a) if WAITING.search(a.output) else (a, b)


def read_problems(story: Story) -> tuple[list[str], list[dict[str, str]]]:
    """The readers' failed reads, and the reads that were not exactly one publication's."""
    errors = [str(read["error"]) for read in story.reads if "error" in read]
    published = {snap["run_id"]: snap for snap in story.published}
    mixed = [
        read["ok"]
        for read in story.reads
        if "ok" in read and read["ok"] != published.get(read["ok"]["run_id"])  # type: ignore[index]
    ]
    return errors, mixed  # type: ignore[return-value]


def snapshot(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The run id and, per mart, its row count and the sum of its exact amounts where it has one."""
    seen = {"run_id": connection.execute("select run_id from meta.publication").fetchone()[0]}  # type: ignore[index]
    marts = connection.execute(
        "select table_name, list(column_name) filter (where data_type like 'DECIMAL%')"
        " from duckdb_columns() where schema_name = 'marts' group by table_name order by table_name"
    ).fetchall()
    for table, decimals in marts:
        amount = f"sum({decimals[0]})" if decimals else "null"
        count, total = connection.execute(f'select count(*), {amount} from marts."{table}"').fetchone()  # type: ignore[misc]
        seen[table] = f"{count}|{total if total is None else Decimal(total)}"
    return seen


def read_loop(warehouse: str, out: str, stop: str) -> None:
    """A BI dashboard: a short read-only connection every READ_EVERY_SECONDS, each failure recorded."""
    with open(out, "w", encoding="utf-8") as log:
        while not os.path.exists(stop):
            if not os.path.exists(warehouse):
                time.sleep(0.05)
                continue
            try:
                with duckdb.connect(warehouse, read_only=True) as connection:
                    log.write(json.dumps({"ok": snapshot(connection)}) + "\n")
            except Exception as exc:  # every failure is a finding: recorded, asserted on later
                log.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            time.sleep(READ_EVERY_SECONDS)


Rows = list[dict[str, object]]


def mart_rows(warehouse: Path) -> Rows:
    """mart_budget_overview, every column, in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute("select * from marts.mart_budget_overview order by all")
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# What differs between two correct publications of the same figures: which bytes (and the row ids
# made from them), which run, when, how many runs found a finding.
VOLATILE_COLUMN = re.compile(r"sha256|_id$|_at$|^n_runs")
# Marts of the checks' history, one row per finding per landed version: a re-published document
# repeats its version's findings. Compared as sets of distinct rows.
HISTORY_MARTS = {"mart_reconciliation_findings"}


def mart_hashes(warehouse: Path) -> dict[str, list[str]]:
    """Every mart of the served file as the sorted hashes of its rows, volatile columns left out."""
    hashes = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name, list(column_name order by column_index) from duckdb_columns()"
            " where schema_name = 'marts' group by table_name"
        ).fetchall()
        for table, columns in tables:
            kept = ", ".join(f'"{name}"' for name in columns if not VOLATILE_COLUMN.search(name))
            rows = connection.execute(f'select {kept} from marts."{table}"').fetchall()
            found = [hashlib.sha256(repr(row).encode()).hexdigest() for row in rows]
            hashes[table] = sorted(set(found) if table in HISTORY_MARTS else found)
    return hashes


def ledger_problems(state: Path) -> list[str]:
    """What makes the ledger disagree with the raw zone: a landed version without its complete
    folder, or a document with two current versions."""
    entries = Ledger(state / "ledger.sqlite").entries().values()
    problems = [
        f"{entry.source_path}: {entry.status} without a complete raw-zone folder"
        for entry in entries
        if entry.doc_type
        and entry.status in ("current", "superseded")
        and not is_complete(state / "raw", entry.document_sha256)
    ]
    current = Counter(entry.version_key for entry in entries if entry.status == "current")
    problems += [f"{key}: {count} current versions" for key, count in current.items() if count > 1]
    return problems


def without(rows: Rows, *columns: str) -> Rows:
    return [{name: value for name, value in row.items() if name not in columns} for row in rows]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_samples(landing: Path, *names: str) -> None:
    for name in names:
        source = SAMPLE_FILES[name]
        (landing / source.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, landing / source.parent.name / source.name)


TROUBLE = re.compile(r"error|exception|traceback|retry|skipp|nothing changed", re.IGNORECASE)


def start(env: dict[str, str], output: Path, **popen: object) -> subprocess.Popen[bytes]:
    # Output to a file: a run must never block on a full pipe (the second of two waits a while).
    with output.open("w") as stdout:
        return subprocess.Popen(
            [bin_path("jixiao"), "run", "--quiet"],
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            **popen,  # type: ignore[call-overload]
        )


class Teller:
    """Runs the story's nights and records what each left behind."""

    def __init__(self, story: Story) -> None:
        self.story = story

    def _note_publication(self) -> None:
        """What the served warehouse holds now, if it is a publication not seen yet."""
        if not self.story.warehouse.exists():
            return
        with duckdb.connect(str(self.story.warehouse), read_only=True) as connection:
            (run_id,) = connection.execute("select run_id from meta.publication").fetchone() or (None,)
            if run_id not in {seen["run_id"] for seen in self.story.published}:
                self.story.published.append(snapshot(connection))

    def _wait(self, processes: list[subprocess.Popen[bytes]], seconds: float) -> None:
        """Wait for the nights, noting each publication as it appears (one night may publish and the
        next replace it before both have ended)."""
        deadline = time.monotonic() + seconds
        while any(process.poll() is None for process in processes):
            assert time.monotonic() < deadline, "the nights did not end in time"
            self._note_publication()
            time.sleep(0.5)

    def _ended(self, night: Night) -> None:
        story = self.story
        story.nights[night.name] = night
        if story.warehouse.exists():
            story.marts[night.name] = mart_rows(story.warehouse)
            story.digests[night.name] = digest(story.warehouse)
            story.hashes[night.name] = mart_hashes(story.warehouse)
        story.ledger_problems[night.name] = ledger_problems(story.root / "state")
        log = Path(story.env["AIRFLOW_HOME"]) / "logs" / "jixiao-run.log"
        story.logs[night.name] = log.read_text(errors="replace") if log.exists() else ""
        self._note_publication()

    def night(self, name: str) -> Night:
        output = self.story.root / f"{name}.out"
        process = start(self.story.env, output)
        self._wait([process], 900)
        night = Night(name, process.returncode, ANSI.sub("", output.read_text(errors="replace")), process.pid)
        self._ended(night)
        return night

    def together(self, *names: str) -> list[Night]:
        outputs = [self.story.root / f"{name}.out" for name in names]
        processes = [start(self.story.env, output) for output in outputs]
        self._wait(processes, 1200)
        nights = [
            Night(name, process.returncode, "", process.pid)
            for name, process in zip(names, processes, strict=True)
        ]
        for night, output in zip(nights, outputs, strict=True):
            night.output = ANSI.sub("", output.read_text(errors="replace"))
            self._ended(night)
        return nights

    def paused_at(self, name: str, point: str) -> Callable[[], bool]:
        """Whether the night stopped at the failpoint (it writes the marker there)."""
        marker = self.story.root / f"{name}.paused"
        self.story.env_for[name] = {PAUSE_MARKER: str(marker)}
        return marker.exists

    def logged(self, pattern: str) -> Callable[[], bool]:
        """Whether the night's log has a line matching `pattern` (the log is new each night)."""
        log = Path(self.story.env["AIRFLOW_HOME"]) / "logs" / "jixiao-run.log"
        log.unlink(missing_ok=True)
        found = re.compile(pattern)
        return lambda: log.exists() and found.search(log.read_text(errors="replace")) is not None

    def killed(self, name: str, ready: Callable[[], bool], **env: str) -> None:
        """Start a night and kill -9 its whole process group as soon as `ready()` holds."""
        output = self.story.root / f"{name}.out"
        env = {**self.story.env_for.get(name, {}), **env}
        process = start({**self.story.env, **env}, output, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None and not ready():
            time.sleep(0.05)
        if process.poll() is not None:
            log = Path(self.story.env["AIRFLOW_HOME"]) / "logs" / "jixiao-run.log"
            told = ANSI.sub("", output.read_text(errors="replace"))[-3000:]
            whole = log.read_text(errors="replace") if log.exists() else "(no log)"
            # Why a task did not do what the chain expected is usually far from the log's end.
            troubles = [line[:400] for line in whole.splitlines() if TROUBLE.search(line)][-40:]
            pytest.fail(
                f"{name}: the night ended (exit {process.returncode}) before the moment to kill it\n"
                f"--- what it printed:\n{told}\n--- the end of its log:\n{whole[-6000:]}\n"
                f"--- its errors, retries and skips:\n" + "\n".join(troubles) + "\n"
                f"--- publications seen so far (run ids): {[seen['run_id'] for seen in self.story.published]}"
            )
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(1)  # anything still writing would show in the digest below
        zone = self.story.root / "state" / "raw"
        self.story.leftovers[name] = [
            path.name
            for path in zone.iterdir()
            if path.name.startswith(".tmp-") and (path / "document.json").exists()
        ]
        self.story.nights[name] = Night(
            name, -signal.SIGKILL, output.read_text(errors="replace"), process.pid
        )
        self.story.digests[name] = digest(self.story.warehouse)
        self.story.marts[name] = mart_rows(self.story.warehouse)
        self.story.hashes[name] = mart_hashes(self.story.warehouse)
        self.story.ledger_problems[name] = ledger_problems(self.story.root / "state")
        self._note_publication()


# The kill points after parsing, in the order a night reaches them: a failpoint (jixiao.runtime.failpoints)
# where the night stops by itself, or a line of the night's log (dbt reporting a model of the group
# built, the group's build still running).
KILL_CHAIN = (
    ("killed_load", "build.before_rename"),
    # The nights after the clean one build incrementally: dbt makes the tables alone, no view.
    ("killed_dbt_staging", r"OK created sql incremental model audit\."),
    ("killed_documents_checkpoint", "reconcile.documents.recorded"),
    # That group holds views alone: an incremental build runs no dbt for it (its tests run with the
    # marts); killed as its task says so.
    ("killed_dbt_checks_across", re.escape(NOTHING_TO_BUILD)),
    ("killed_warehouse_checkpoint", "reconcile.warehouse.recorded"),
    ("killed_dbt_marts", r"OK created sql table model marts\."),
    ("killed_export", "export.partial"),
    ("killed_before_rename", "publish.before_rename"),
    ("killed_after_rename", "publish.after_rename"),
    ("killed_report", "report.before_rename"),
)


def _republish(pdf: Path) -> None:
    """The same document with new bytes (pypdf writes it again): a re-publication to parse."""
    pypdf.PdfWriter(clone_from=pdf).write(pdf)


def reprint_huangpu_with_basic_expenditure_raised(root: Path) -> bytes:
    # 2,341.13 → 2,441.13: the form's two sides now differ by 100.00.
    workbook = build_xlsx(
        "huangpu_2023_dept_target_form.xlsx", [set_cells({"D4": 2441.13})], root / "xlsx" / "form.xlsx"
    )
    (altered,) = to_pdf([workbook], root / "pdf")
    return altered.read_bytes()


@contextmanager
def readers(story: Story) -> Iterator[None]:
    """BI dashboards (`read_loop`) reading the story's served warehouse for the whole block; their
    reads end up in `story.reads`."""
    stop = story.root / "stop-readers"
    logs = [story.root / f"reader{i}.jsonl" for i in range(READERS)]
    spawn = multiprocessing.get_context("spawn")
    processes = [
        spawn.Process(target=read_loop, args=(str(story.warehouse), str(log), str(stop))) for log in logs
    ]
    for process in processes:
        process.start()
    try:
        yield
    finally:
        stop.touch()
        for process in processes:
            process.join(timeout=60)
    story.reads = [json.loads(line) for log in logs for line in log.read_text(encoding="utf-8").splitlines()]


@contextmanager
def alerts_to_sinks(story: Story) -> Iterator[None]:
    """Alerts on for the block's nights, by mail and by webhook to servers of the test's own; they
    end up in `story.mails` and `story.webhooks`."""
    with alert_sinks() as sinks:
        story.env |= sinks.alert_env()
        story.mails, story.webhooks = sinks.mails, sinks.webhooks
        yield


def new_story(tmp_path_factory: pytest.TempPathFactory, name: str) -> Story:
    # TTY_COMPATIBLE: rich draws the status line (with the parse progress) into the output; COLUMNS:
    # on one line. The Airflow home is not migrated yet: the first night (and only one) does it.
    root = tmp_path_factory.mktemp(name)
    return Story(root, jixiao_env(root, TTY_COMPATIBLE="1", COLUMNS="400"))


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """The nights of the story (see the module's docstring), BI readers throughout."""
    if soffice() is None:
        pytest.skip("LibreOffice is needed to re-print a form for the story's last night")
    story = new_story(tmp_path_factory, "story")
    teller = Teller(story)
    with readers(story), alerts_to_sinks(story):
        add_samples(story.landing, *SAMPLE_FILES)
        (story.landing / "2023" / "broken.pdf").write_text("<html>502 Bad Gateway</html>", encoding="utf-8")
        teller.together("concurrent_a", "concurrent_b")

        (story.landing / "2023" / "broken.pdf").unlink()
        teller.night("cleaned_up")

        (story.landing / HUANGPU_FORM).write_bytes(reprint_huangpu_with_basic_expenditure_raised(story.root))
        teller.night("rejected")
        teller.night("rejected_again")  # nothing changed: the rejection still fails the night
    yield story


@pytest.fixture(scope="session")
def crashes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    """A clean night on the samples; then every document re-published (new bytes) and the nights
    that land them killed -9 one step further each (`killed_parsing`, then KILL_CHAIN); then
    `recovered`, which must converge on the clean night's marts. BI readers throughout."""
    story = new_story(tmp_path_factory, "crashes")
    teller = Teller(story)
    with readers(story):
        add_samples(story.landing, *SAMPLE_FILES)
        teller.night("clean")

        for pdf in sorted(story.landing.rglob("*.pdf")):
            _republish(pdf)
        zone = story.root / "state" / "raw"
        known = {path.name for path in zone.iterdir()}
        teller.killed(
            "killed_parsing",
            lambda: any(not p.name.startswith(".") and p.name not in known for p in zone.iterdir()),
            JIXIAO_PARSE_WORKERS="1",
        )
        # Each night of the chain gets past the point where the one before it was killed (so it
        # starts from what that kill left), and is killed further on.
        for name, moment in KILL_CHAIN:
            if moment in POINTS:
                teller.killed(name, teller.paused_at(name, moment), JIXIAO_PAUSE_AT=moment)
            else:
                teller.killed(name, teller.logged(moment))
        teller.night("recovered")
    yield story

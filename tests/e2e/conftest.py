"""One shared story of nights through `jixiao run` (Airflow's `dags test`), read by every e2e module.

A night costs minutes on two cores, so the nights that used to belong to one module each are one
sequence here, each night set up so that every module's assertions hold on it, while BI readers
query the served warehouse throughout:

1. `concurrent_a` / `concurrent_b`: the four samples and a broken download land in a fresh
   Airflow home; two `jixiao run` start together, one waits for the other. The broken file is
   quarantined (and tried again by the second).
2. `killed_parsing`: the broken file is gone and every document is re-published (new bytes), one
   parse worker; killed -9 as soon as the first new document reaches the raw zone.
3. `killed_dbt`: the next night, killed -9 as soon as the transform claims its build.
4. `recovered`: the night after converges on the same marts; it has nothing to parse at all.
5. `rejected`: 黄埔's form re-printed with 基本支出 raised by 100.00: reconciliation rejects it, the
   accepted version keeps serving, the run fails naming the document, the check and both sides.

A module that needs a night of its own says why; none does today.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pypdf
import pytest

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
    """A BI dashboard: a short read-only connection every 0.1 s, each failure recorded."""
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


def without(rows: Rows, *columns: str) -> Rows:
    return [{name: value for name, value in row.items() if name not in columns} for row in rows]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_samples(landing: Path, *names: str) -> None:
    for name in names:
        source = SAMPLE_FILES[name]
        (landing / source.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, landing / source.parent.name / source.name)


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

    def killed(self, name: str, ready: Callable[[], bool], **env: str) -> None:
        """Start a night and kill -9 its whole process group as soon as `ready()` holds."""
        output = self.story.root / f"{name}.out"
        process = start({**self.story.env, **env}, output, start_new_session=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None and not ready():
            time.sleep(0.05)
        assert process.poll() is None, f"{name}: the night ended before the moment to kill it"
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


def _republish(pdf: Path) -> None:
    """The same document with new bytes (pypdf writes it again): a re-publication to parse."""
    pypdf.PdfWriter(clone_from=pdf).write(pdf)


def _reprint_huangpu_with_basic_expenditure_raised(root: Path) -> bytes:
    # 2,341.13 → 2,441.13: the form's two sides now differ by 100.00.
    workbook = build_xlsx(
        "huangpu_2023_dept_target_form.xlsx", [set_cells({"D4": 2441.13})], root / "xlsx" / "form.xlsx"
    )
    (altered,) = to_pdf([workbook], root / "pdf")
    return altered.read_bytes()


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Story]:
    if soffice() is None:
        pytest.skip("LibreOffice is needed to re-print a form for the story's last night")
    root = tmp_path_factory.mktemp("story")
    # TTY_COMPATIBLE: rich draws the status line (with the parse progress) into the output; COLUMNS:
    # on one line. The Airflow home is not migrated yet: the first night (and only one) does it.
    story = Story(root, jixiao_env(root, TTY_COMPATIBLE="1", COLUMNS="400"))
    teller = Teller(story)
    stop = root / "stop-readers"
    spawn = multiprocessing.get_context("spawn")
    readers = [
        spawn.Process(
            target=read_loop, args=(str(story.warehouse), str(root / f"reader{i}.jsonl"), str(stop))
        )
        for i in range(READERS)
    ]
    for reader in readers:
        reader.start()
    try:
        add_samples(story.landing, *SAMPLE_FILES)
        (story.landing / "2023" / "broken.pdf").write_text("<html>502 Bad Gateway</html>", encoding="utf-8")
        teller.together("concurrent_a", "concurrent_b")

        (story.landing / "2023" / "broken.pdf").unlink()
        for pdf in sorted(story.landing.rglob("*.pdf")):
            _republish(pdf)
        zone = root / "state" / "raw"
        known = {path.name for path in zone.iterdir()}
        teller.killed(
            "killed_parsing",
            lambda: any(not p.name.startswith(".") and p.name not in known for p in zone.iterdir()),
            JIXIAO_PARSE_WORKERS="1",
        )
        claimed = root / "state" / "build" / "transform" / "warehouse.duckdb"
        teller.killed("killed_dbt", claimed.exists)
        teller.night("recovered")

        (story.landing / HUANGPU_FORM).write_bytes(_reprint_huangpu_with_basic_expenditure_raised(root))
        teller.night("rejected")
        teller.night("rejected_again")  # nothing changed: the rejection still fails the night
    finally:
        stop.touch()
        for reader in readers:
            reader.join(timeout=60)
    story.reads = [
        json.loads(line)
        for i in range(READERS)
        for line in (root / f"reader{i}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    yield story

"""Parser throughput: pages per second and peak Python memory per document, against naive
pdfplumber on the same pages in the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 5] [--scan DPI ...] [--seed N ...]
        [--condition NAME ...] [--jobs 1] [PDF ...]

Without PDFs, the bundled samples. With `--scan DPI` (and `--seed N`, each a different scan), each
document is first made into a scan at that resolution under each `--condition` (default `stamped`;
`all` for every one of `tests.scans.CONDITIONS`: a stamped scan, a colour JPEG at quality 60, a
1-bit G4 fax-like page, grey paper with bleed-through, a keystoned and turned sheet, a signature
over the department) and parsed by OCR once, by parse workers as the night keeps them (`--jobs`
of them, one per core in the night; each reads one scan after another, its models loaded once): its
outcome, its amounts and fields against its truth file (`tests/truth_fields.py`), any amount or
figure that landed wrong, seconds per page and its worker's peak resident memory so far (VmHWM),
models and all.

Each row: `parse_document` (median of the repeats) and naive pdfplumber (`extract_tables()` and
`extract_text()` on every page, the least any pdfplumber parser does), and how many times faster the
parser is. Then one row for a 300-page document outside the
family (a 部门决算, made with LibreOffice when it is installed), which must be refused after page 1
in under 2 seconds. docs/performance.md quotes the figures of a run on the reference machine.
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest.document import parse_document
from ingest.errors import UnknownDocumentType
from jixiao.cli.tables import print_table
from jixiao.runtime.settings import Settings
from tests.truth_fields import landing_year, truth_of


def naive_seconds(path: Path, repeat: int) -> float:
    """Median seconds of naive pdfplumber over every page of `path`."""
    import pdfplumber

    def once() -> None:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.extract_text()
                page.close()

    once()  # warm-up, as for the parser
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def measure(path: Path, repeat: int) -> tuple[int, float, float]:
    """(pages, median seconds per parse, peak traced MiB of one parse)."""
    document = parse_document(path)  # warm-up: imports, font caches
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        parse_document(path)
        timings.append(time.perf_counter() - start)
    tracemalloc.start()
    parse_document(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return document.header.page_count, statistics.median(timings), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scan", type=int, action="append", default=[], metavar="DPI")
    parser.add_argument("--seed", type=int, action="append", default=[], help="scan seeds (default: 2023)")
    parser.add_argument(
        "--condition", action="append", default=[], help="scanning conditions (default: stamped)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="scans parsed at a time")
    parser.add_argument("pdfs", nargs="*", type=Path, help="PDFs to parse (default: the samples)")
    args = parser.parse_args()
    samples = Settings.from_env().project_root / "data" / "samples"
    paths = args.pdfs or sorted(samples.rglob("*.pdf"))
    if args.scan:
        scan_table(paths, args.scan, args.seed or [2023], _conditions(args.condition), args.jobs)
        return
    rows = []
    for path in paths:
        pages, seconds, peak_mib = measure(path, args.repeat)
        naive = naive_seconds(path, args.repeat)
        rows.append(
            (
                path.name,
                pages,
                f"{seconds:.3f}",
                f"{pages / seconds:.1f}",
                f"{pages / naive:.1f}",
                f"{naive / seconds:.1f}x",
                f"{peak_mib:.1f}",
            )
        )
    print_table(
        f"parse_document against naive pdfplumber (tables + text), median of {args.repeat} runs",
        ["document", "pages", "seconds", "pages/s", "naive pages/s", "speed-up", "peak MiB (traced)"],
        rows,
    )
    refused = refusal_seconds(args.repeat)
    if refused is not None:
        print(f"300-page 部门决算 refused (UnknownDocumentType) in {refused:.2f} s, median of {args.repeat}")


# A parse worker as the night keeps one: it reads one scan after another, its interpreter and
# models loaded once (`jixiao.stages.land.parse_batch` schedules a batch on one worker per core).
_PARSE_WORKER = """
import json, sys, time
from ingest.contract import to_json
from ingest.document import parse_document
from ingest.errors import DocumentError
for request in sys.stdin:
    scan, year = request.rstrip("\\n").split("\\t")
    start = time.perf_counter()
    try:
        records = json.loads(to_json(parse_document(scan, year=int(year))))
        outcome = "lands"
    except DocumentError as error:
        records, outcome = None, f"{error.kind}: {error.detail}"
    seconds = time.perf_counter() - start
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
    measured = {"outcome": outcome, "records": records, "seconds": seconds, "peak_kib": peak}
    print(json.dumps(measured), flush=True)
"""


class ParseWorkers:
    """`jobs` parse worker processes, each lent to one parse at a time."""

    def __init__(self, jobs: int) -> None:
        self._idle: queue.Queue[subprocess.Popen[str]] = queue.Queue()
        self._all = [
            subprocess.Popen(
                [sys.executable, "-c", _PARSE_WORKER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(jobs)
        ]
        for worker in self._all:
            self._idle.put(worker)

    def parse(self, scan: Path, year: int) -> dict[str, Any]:
        worker = self._idle.get()
        try:
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(f"{scan}\t{year}\n")
            worker.stdin.flush()
            answer = worker.stdout.readline()
            if not answer:
                raise SystemExit(f"the parse worker died on {scan} (exit {worker.wait()})")
            measured: dict[str, Any] = json.loads(answer, parse_float=Decimal, parse_int=Decimal)
            return measured
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for worker in self._all:
            assert worker.stdin is not None
            worker.stdin.close()
            worker.wait()


def _conditions(names: list[str]) -> list[str]:
    from tests.scans import CONDITIONS

    if not names:
        return ["stamped"]
    return list(CONDITIONS) if names == ["all"] else names


def _scan(path: Path, dpi: int, seed: int, condition: str, folder: Path) -> tuple[Path, int]:
    """`path` scanned under `condition`, and its pages. In this thread only: PDFium, which renders
    the pages, takes one thread at a time (two at once crashed the benchmark)."""
    import pypdfium2 as pdfium

    from tests.scans import scan_under

    scan = scan_under(condition, path, folder / f"{condition}_{dpi}_{seed}_{path.name}", dpi=dpi, seed=seed)
    return scan, len(pdfium.PdfDocument(scan))


def scan_table(
    paths: list[Path], resolutions: list[int], seeds: list[int], conditions: list[str], jobs: int
) -> None:
    """Each document scanned under each condition at each resolution (and seed) and parsed by OCR
    once, by `jobs` parse workers; against its truth file when it has one: its amounts and all its
    fields."""
    from tests.truth_fields import score_fields

    runs = [
        (path, dpi, seed, condition)
        for condition in conditions
        for dpi in resolutions
        for seed in seeds
        for path in paths
    ]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(jobs) as pool:
        scans = [_scan(*run, Path(folder)) for run in runs]
        start = time.perf_counter()
        workers = ParseWorkers(jobs)
        try:
            parsed = list(
                pool.map(
                    lambda run: (run[1][1], workers.parse(run[1][0], landing_year(run[0][0]) or 2023)),
                    zip(runs, scans, strict=True),
                )
            )
        finally:
            workers.close()
        wall = time.perf_counter() - start
    rows = []
    totals: dict[tuple[str, int], list[int]] = {}
    # Per condition and resolution: parse seconds, pages, the highest peak (KiB).
    costs: dict[tuple[str, int], list[float]] = {}
    for (path, dpi, seed, condition), (pages, measured) in zip(runs, parsed, strict=True):
        truth = truth_of(path)
        scored = ["", "", "", ""]
        score = None
        if truth is not None:
            refusal = None if measured["outcome"] == "lands" else str(measured["outcome"])
            score = score_fields(truth, measured["records"], refusal)
            scored = [
                f"{score.amounts_exact} / {score.amounts_total}",
                str(score.numbers_wrong),
                f"{score.exact} / {score.total}",
                f"{score.spaces_aside} / {score.total}",
            ]
            counts = (score.exact, score.spaces_aside, score.total, score.numbers_wrong, 0, 0)
            key = (condition, dpi)
            totals[key] = [sum(pair) for pair in zip(totals.get(key, [0] * 6), counts, strict=True)]
        # A document ends as its truth says: it lands, or (a truth that is a refusal) is refused as
        # the kind its truth names.
        as_truth = measured["outcome"] == "lands"
        if score is not None and score.refused_as_expected is not None:
            as_truth = score.refused_as_expected
        key = (condition, dpi)
        cost = costs.setdefault(key, [0.0, 0.0, 0.0])
        cost[0] += float(measured["seconds"])
        cost[1] += pages
        cost[2] = max(cost[2], float(measured["peak_kib"]))
        totals.setdefault(key, [0] * 6)
        totals[key][4] += as_truth
        totals[key][5] += 1
        rows.append(
            (
                path.stem,
                condition,
                dpi,
                seed,
                pages,
                str(measured["outcome"])[:90],
                *scored,
                f"{float(measured['seconds']) / pages:.1f}",
                f"{int(measured['peak_kib']) / 1024:.0f}",
            )
        )
    print_table(
        f"scans parsed by OCR, by {jobs} parse workers",
        ["document", "condition", "dpi", "seed", "pages", "outcome", "amounts exact", "numbers wrong",
         "fields exact", "fields exact, spaces aside", "s/page", "worker's peak RSS MiB"],
        rows,
    )  # fmt: skip
    # The night's view: one parse worker per core, so the pages of a batch of scans cost the wall
    # clock over all of them (each worker's interpreter and models included, once).
    pages = sum(pages for pages, _ in parsed)
    print(f"{pages} scanned pages in {wall:.1f} s of wall clock, {jobs} workers: {wall / pages:.2f} s/page")
    for (condition, dpi), (exact, spaces_aside, total, wrong, landed, documents) in sorted(totals.items()):
        print(
            f"{condition} at {dpi} dpi: {landed} / {documents} documents end as their truth says;"
            f" fields exact {exact} / {total}"
            f" = {exact / max(total, 1):.1%}; spaces aside {spaces_aside} / {total}"
            f" = {spaces_aside / max(total, 1):.1%}; amounts or figures wrong: {wrong};"
            f" {costs[condition, dpi][0] / max(costs[condition, dpi][1], 1):.2f} s/page in one worker,"
            f" peak {costs[condition, dpi][2] / 1024:.0f} MiB"
        )


def refusal_seconds(repeat: int) -> float | None:
    """Seconds to refuse a 300-page document of another kind; None without LibreOffice."""
    from tests.relayout import soffice, unrelated_pdf  # the test helper that prints the document

    if soffice() is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = unrelated_pdf(Path(folder), pages=300)
        timings = []
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                parse_document(path)
            except UnknownDocumentType:
                timings.append(time.perf_counter() - start)
            else:
                raise SystemExit(f"{path} was not refused")
        return statistics.median(timings)


if __name__ == "__main__":
    main()

"""Parser throughput: pages per second and peak Python memory per document, against naive
pdfplumber on the same pages in the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 5] [--scan DPI ...] [PDF ...]

Without PDFs, the bundled samples. With `--scan DPI`, each document is first made into a stamped scan
at that resolution (`tests/scans.py`) and parsed by OCR once, in a fresh process: seconds per page
and the process's peak resident memory (VmHWM), models and all.

Each row: `parse_document` (median of the repeats) and naive pdfplumber (`extract_tables()` and
`extract_text()` on every page, the least any pdfplumber parser does), and how many times faster the
parser is. Then one row for a 300-page document outside the
family (a 部门决算, made with LibreOffice when it is installed), which must be refused after page 1
in under 2 seconds. docs/performance.md quotes the figures of a run on the reference machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from ingest.document import parse_document
from ingest.errors import UnknownDocumentType
from jixiao.cli.tables import print_table
from jixiao.settings import Settings


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
    parser.add_argument("pdfs", nargs="*", type=Path, help="PDFs to parse (default: the samples)")
    args = parser.parse_args()
    samples = Settings.from_env().project_root / "data" / "samples"
    paths = args.pdfs or sorted(samples.rglob("*.pdf"))
    if args.scan:
        scan_table(paths, args.scan)
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


# Run in a fresh interpreter per scan, so that its peak memory is the parse's alone.
_PARSE_ONCE = """
import json, sys, time
from ingest.document import parse_document
from ingest.errors import DocumentError
start = time.perf_counter()
try:
    document = parse_document(sys.argv[1], year=int(sys.argv[2]))
    outcome = "lands"
except DocumentError as error:
    outcome = error.kind
seconds = time.perf_counter() - start
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_kib": peak}))
"""


def scan_table(paths: list[Path], resolutions: list[int]) -> None:
    """Each document scanned at each resolution and parsed by OCR once, one process each."""
    import pypdfium2 as pdfium

    from tests.scans import make_scan

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for dpi in resolutions:
            for path in paths:
                scan = make_scan(path, Path(folder) / f"{dpi}_{path.name}", dpi=dpi, seed=2023)
                pages = len(pdfium.PdfDocument(scan))
                year = path.parent.name if path.parent.name.isdigit() else "2023"
                result = subprocess.run(
                    [sys.executable, "-c", _PARSE_ONCE, str(scan), year],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                measured = json.loads(result.stdout)
                rows.append(
                    (
                        path.name,
                        dpi,
                        pages,
                        measured["outcome"],
                        f"{measured['seconds'] / pages:.1f}",
                        f"{measured['peak_kib'] / 1024:.0f}",
                    )
                )
    print_table(
        "scans parsed by OCR, one process each (seal, 1° turn, noise; seed 2023)",
        ["document", "dpi", "pages", "outcome", "s/page", "peak RSS MiB"],
        rows,
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

"""Parser throughput: pages per second and peak Python memory per document, against naive
pdfplumber on the same pages in the same run.

    .venv/bin/python bench/bench_parse.py [--repeat 5] [PDF ...]

Without PDFs, the bundled samples. Each row: `parse_document` (median of the repeats) and naive
pdfplumber (`extract_tables()` and `extract_text()` on every page, the least any pdfplumber parser
does), and how many times faster the parser is. Then one row for a 300-page document outside the
family (a 部门决算, made with LibreOffice when it is installed), which must be refused after page 1
in under 2 seconds. docs/performance.md quotes the figures of a run on the reference machine.
"""

from __future__ import annotations

import argparse
import statistics
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
    parser.add_argument("pdfs", nargs="*", type=Path, help="PDFs to parse (default: the samples)")
    args = parser.parse_args()
    samples = Settings.from_env().project_root / "data" / "samples"
    rows = []
    for path in args.pdfs or sorted(samples.rglob("*.pdf")):
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

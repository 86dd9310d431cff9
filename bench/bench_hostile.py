"""Every hostile or broken input the tests build, through `jixiao parse --json` one by one: how it
ends (exit code and kind), in how many seconds, at what peak memory (the largest process of
its tree).

    .venv/bin/python bench/bench_hostile.py [--memory-mb 1024] [--timeout 120]

The inputs are the tests' own builders (tests/ingest/test_bad_input.py, test_broken_structure.py,
test_partial_documents.py, tests/jixiao/runtime/test_limits.py), so the table and the tests cover the same
files; the cell variants need LibreOffice and are left out without it. An input ends well when it
gives the exact records (exit 0, an intact file) or one line and exit 2; the last column says which.
docs/testing.md quotes a run on the reference machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypdf

from jixiao.cli.tables import print_table
from tests.conftest import SAMPLE_FILES, bin_path
from tests.hostile import memory_bomb
from tests.ingest import test_bad_input, test_broken_structure, test_partial_documents
from tests.jixiao.runtime.test_limits import MEASURED
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf

WHOLE = "odd but whole"  # the class of inputs that must give their exact records


def catalogue(folder: Path) -> list[tuple[str, str, Path]]:
    """(class, case, path) for every input, built under `folder`."""
    for year in ("2022", "2023"):
        (folder / year).mkdir(parents=True, exist_ok=True)
    cases: list[tuple[str, str, Path]] = []

    def add(kind: str, name: str, make: Callable[[Path], Path]) -> None:
        case_folder = folder / name
        for year in ("2022", "2023"):
            (case_folder / year).mkdir(parents=True, exist_ok=True)
        cases.append((kind, name, make(case_folder)))

    for make, _, _ in test_bad_input.CASES:
        add("unreadable or refused", make.__name__, make)
    for make, _, _ in test_broken_structure.BROKEN:
        add("broken structure", make.__name__, make)
    for make, _ in test_broken_structure.INTACT:
        add(WHOLE, make.__name__, make)
    add("memory", "memory_bomb_1536_mib", lambda where: memory_bomb(where / "2023" / "bomb.pdf", 1536))
    for source, pages in [
        (SAMPLE_FILES["huangpu_2023_dept_target_form"], [3]),
        (SAMPLE_FILES["guangzhou_2023_project_target_table"], [6, 7, 8, 9]),
        (SAMPLE_FILES["huangpu_2022_self_evaluation"], [9, 10]),
        (SAMPLE_FILES["huangpu_2022_self_evaluation"], [10]),
    ]:
        name = f"{source.stem}_without_{'_'.join(map(str, pages))}"
        add(
            "missing pages",
            name,
            lambda where, s=source, p=pages: test_partial_documents.without_pages(s, p, where),
        )
    for first, second in [
        ("huangpu_2023_dept_target_form", "guangzhou_2023_dept_target_form"),
        ("huangpu_2023_dept_target_form", "guangzhou_2023_project_target_table"),
    ]:
        path = folder / "2023" / f"{first}+{second}.pdf"
        writer = pypdf.PdfWriter()
        for name in (first, second):
            writer.append(str(SAMPLE_FILES[name]))
        writer.write(path)
        cases.append(("two documents", path.stem, path))
    if soffice() is not None:
        variants = test_partial_documents.VARIANTS
        workbooks = [
            build_xlsx(source, [set_cells(cells)], folder / "xlsx" / f"{name}.xlsx")
            for name, (source, cells) in variants.items()
        ]
        for pdf in to_pdf(workbooks, folder / "2023"):
            whole = pdf.stem in test_partial_documents.WHOLE_VARIANTS
            cases.append((WHOLE if whole else "changed cells", pdf.stem, pdf))
    return cases


def run(path: Path, env: dict[str, str]) -> tuple[int, str, float, int]:
    """(exit code, the kind or `records`, seconds, peak RSS MiB of the largest process of the tree)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, bin_path("jixiao"), "parse", "--json", "--", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    *_, peak_kib = result.stdout.splitlines() or ["0"]
    lines = result.stderr.splitlines()
    if result.returncode == 0:
        outcome = "records"
    elif len(lines) == 1 and lines[0].startswith("jixiao: "):
        outcome = lines[0].split(":")[1].strip()
    else:
        outcome = f"{len(lines)} lines on stderr"
    return result.returncode, outcome, seconds, int(peak_kib) // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jixiao-hostile-") as folder:
        env = {
            **os.environ,
            "JIXIAO_STATE_DIR": str(Path(folder) / "state"),
            "JIXIAO_PARSE_MEMORY_MB": str(args.memory_mb),
            "JIXIAO_PARSE_TIMEOUT_SECONDS": str(args.timeout),
        }
        rows = []
        for kind, name, path in catalogue(Path(folder)):
            code, outcome, seconds, peak = run(path, env)
            well = code == 0 if kind == WHOLE else code == 2 and "lines" not in outcome
            rows.append(
                (kind, name, str(code), outcome, f"{seconds:.2f}", str(peak), "yes" if well else "NO")
            )
    print_table(
        f"jixiao parse on hostile inputs (memory limit {args.memory_mb} MB, time limit {args.timeout:g} s)",
        ["class", "input", "exit", "kind", "seconds", "peak MiB", "ends well"],
        rows,
    )


if __name__ == "__main__":
    main()

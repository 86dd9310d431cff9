"""Wall time and peak memory of the nightly chain (`jixiao run`: landing, transform, publish).

    .venv/bin/python bench/bench_nightly.py

Three nights in a fresh Airflow home and state: the full run of the samples, a no-op night
(nothing changed), and a night with one new document (a re-publication of one form).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from jixiao.cli.tables import print_table
from jixiao.settings import Settings

# Each night runs under its own small Python parent, so that the children's peak memory it reports
# belongs to that night alone.
_MEASURE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def night(env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak resident MiB of the largest process the run started)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(Path(sys.executable).with_name("jixiao")), "run", "--quiet"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    return seconds, int(result.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    samples = Settings.from_env().project_root / "data" / "samples"
    root = Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    landing = root / "landing"
    shutil.copytree(samples, landing)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "JIXIAO_LANDING_DIR": str(landing),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
        "JIXIAO_EXPORT_DIR": str(root / "exports"),
    }
    rows = []
    night(env)  # the first run also migrates the Airflow DB: not a nightly cost
    shutil.rmtree(root / "state")
    (root / "warehouse.duckdb").unlink()
    rows.append(("full run of the samples (4 documents, 29 pages)", *night(env)))
    rows.append(("no-op night (nothing changed)", *night(env)))
    form = landing / "2023" / "huangpu_2023_dept_target_form.pdf"
    pypdf.PdfWriter(clone_from=form).write(form)  # new bytes: a corrected re-publication
    rows.append(("one new document (a re-publication)", *night(env)))
    print_table(
        "jixiao run (airflow dags test: landing, transform, publish)",
        ["night", "wall s", "peak RSS MiB (largest process)"],
        [(name, f"{seconds:.1f}", f"{mib:.0f}") for name, seconds, mib in rows],
    )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

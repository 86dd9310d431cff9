"""One document's parse is bounded in time and memory, in `jixiao parse` and in the nightly parse
workers alike (jixiao/runtime/limits.py): a memory bomb or a parse past the time limit ends in one line,
exit 2 (or a quarantine), and the rest of the night goes on."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jixiao.runtime.ledger import Ledger
from jixiao.runtime.settings import Settings
from jixiao.stages.land import land_all
from tests.conftest import SAMPLE_FILES, bin_path
from tests.hostile import form_with_a_bomb_on_page_1, memory_bomb, slow_form
from tests.scans import make_office_scan

LIMIT_MB = 256
# Runs the command and prints, as its last line, the peak RSS of the largest process
# under it, the grandchildren it reaped included (KiB).
MEASURED = (
    "import resource, subprocess, sys; "
    "result = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stdout.write(result.stdout); sys.stderr.write(result.stderr); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(result.returncode)"
)


def parse_measured(path: Path, tmp_path: Path, **env: str) -> tuple[int, str, str, int]:
    """`jixiao parse PATH --json` with `env`: exit code, stdout, stderr, peak RSS in MiB."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, bin_path("jixiao"), "parse", str(path), "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "JIXIAO_STATE_DIR": str(tmp_path / "state"), **env},
        check=False,
    )
    *out, peak_kib = result.stdout.splitlines()
    return result.returncode, "\n".join(out), result.stderr, int(peak_kib) // 1024


def test_a_memory_bomb_is_refused_within_the_memory_limit(tmp_path: Path) -> None:
    bomb = memory_bomb(tmp_path / "2023" / "bomb.pdf")
    assert bomb.stat().st_size < 2_000_000
    code, out, err, peak_mib = parse_measured(bomb, tmp_path, JIXIAO_PARSE_MEMORY_MB=str(LIMIT_MB))
    assert (code, out) == (2, "")
    assert err.startswith(f"jixiao: TooLarge: {bomb}: ") and len(err.splitlines()) == 1
    # The parse process started with what its parent had mapped, plus the limit; unbounded the
    # same file takes gigabytes.
    assert peak_mib < 2 * LIMIT_MB + 200, peak_mib


def test_a_real_form_carrying_a_memory_bomb_is_refused_not_read_in_part(tmp_path: Path) -> None:
    bombed = form_with_a_bomb_on_page_1(tmp_path / "2023" / "bombed_form.pdf")
    code, out, err, peak_mib = parse_measured(bombed, tmp_path, JIXIAO_PARSE_MEMORY_MB=str(LIMIT_MB))
    assert (code, out) == (2, "")
    assert err.startswith(f"jixiao: TooLarge: {bombed}: ") and len(err.splitlines()) == 1
    assert peak_mib < 2 * LIMIT_MB + 200, peak_mib


def test_a_real_document_parses_within_the_same_limit(tmp_path: Path) -> None:
    form = SAMPLE_FILES["huangpu_2023_dept_target_form"]
    code, out, err, _ = parse_measured(form, tmp_path, JIXIAO_PARSE_MEMORY_MB=str(LIMIT_MB))
    assert (code, err) == (0, "")
    assert json.loads(out)["year"] == 2023


def test_a_parse_past_the_time_limit_is_stopped(tmp_path: Path) -> None:
    form = slow_form(tmp_path / "2023" / "slow_form.pdf")
    code, out, err, _ = parse_measured(form, tmp_path, JIXIAO_PARSE_TIMEOUT_SECONDS="2")
    assert (code, out) == (2, "")
    assert err.startswith(f"jixiao: ParseTimeout: {form}: parsing took longer than 2 s")
    assert len(err.splitlines()) == 1


def test_the_night_quarantines_a_memory_bomb_and_lands_the_rest(settings: Settings) -> None:
    memory_bomb(settings.landing_dir / "2023" / "bomb.pdf")
    summary = land_all(dataclasses.replace(settings, parse_memory_mb=LIMIT_MB))
    assert list(summary.quarantined) == ["2023/bomb.pdf"]
    assert len(summary.new) == 4
    ((path, _, kind, message),) = Ledger(settings.state.ledger_path).quarantined()
    assert (path, kind) == ("2023/bomb.pdf", "TooLarge") and f"past {LIMIT_MB} MB" in message


@pytest.mark.scans
def test_ocr_is_bounded_by_the_memory_it_holds_not_the_address_space_it_reserves(tmp_path: Path) -> None:
    """A colour scan at 300 dpi from another scanning routine: ONNX Runtime reserves past the default
    bound's address space while holding far less. Under the default bound it is read (or refused for
    what it reads), never stopped for memory; under a bound below what OCR holds, it is stopped and
    refused in one line, before it holds what the unbounded parse did."""
    scan = make_office_scan(SAMPLE_FILES["guangzhou_2023_dept_target_form"], tmp_path / "2023" / "form.pdf")
    code, _, err, peak_mib = parse_measured(scan, tmp_path)
    assert "TooLarge" not in err and "ParserFailure" not in err, err
    assert peak_mib < 1024
    code, out, err, stopped_mib = parse_measured(scan, tmp_path, JIXIAO_PARSE_MEMORY_MB="150")
    assert (code, out) == (2, "")
    assert err.startswith(f"jixiao: TooLarge: {scan}: the parse process was stopped (SIGKILL) past 150 MB")
    assert len(err.splitlines()) == 1
    assert stopped_mib < peak_mib

"""One document's parse is bounded in time and memory, in `jixiao parse` and in the nightly parse
workers alike (jixiao/bounded.py): a memory bomb or a parse past the time limit ends in one line,
exit 2 (or a quarantine), and the rest of the night goes on."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pypdf
from pypdf.generic import ArrayObject, NameObject, StreamObject

from jixiao.landing import land_all
from jixiao.ledger import Ledger
from jixiao.settings import Settings
from tests.conftest import SAMPLE_FILES, bin_path

LIMIT_MB = 256
# Runs the command and prints, as its last line, the peak RSS of the largest process
# under it, the grandchildren it reaped included (KiB).
MEASURED = (
    "import resource, subprocess, sys; "
    "result = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stdout.write(result.stdout); sys.stderr.write(result.stderr); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(result.returncode)"
)


def memory_bomb(path: Path, inflated_mib: int = 600) -> Path:
    """A 1 MB PDF whose one page's content stream inflates to `inflated_mib` MiB of drawing
    operators: parsed whole, it takes gigabytes."""
    compressor = zlib.compressobj(9)
    operators = b"0 0 m 1 1 l S\n" * (1 << 16)
    stream = b"".join([*(compressor.compress(operators) for _ in range(inflated_mib)), compressor.flush()])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(pdf))
    return path


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


def form_with_a_bomb_on_page_1(path: Path, inflated_mib: int = 600) -> Path:
    """The 黄埔 form whose page 1 also draws a stream that inflates to `inflated_mib` MiB: a real
    document that reads correctly up to the bomb."""
    writer = pypdf.PdfWriter(clone_from=SAMPLE_FILES["huangpu_2023_dept_target_form"])
    compressor = zlib.compressobj(9)
    operators = b"0 0 m 1 1 l S\n" * (1 << 16)
    deflated = b"".join([*(compressor.compress(operators) for _ in range(inflated_mib)), compressor.flush()])
    bomb = StreamObject()
    bomb.set_data(deflated)  # already deflated: the filter below says so
    bomb[NameObject("/Filter")] = NameObject("/FlateDecode")
    page = writer.pages[0]
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), writer._add_object(bomb)])
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)
    return path


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
    form = SAMPLE_FILES["guangzhou_2023_project_target_table"]
    code, out, err, _ = parse_measured(form, tmp_path, JIXIAO_PARSE_TIMEOUT_SECONDS="0.01")
    assert (code, out) == (2, "")
    assert err.startswith(f"jixiao: ParseTimeout: {form}: parsing took longer than 0.01 s")


def test_the_night_quarantines_a_memory_bomb_and_lands_the_rest(settings: Settings) -> None:
    memory_bomb(settings.landing_dir / "2023" / "bomb.pdf")
    summary = land_all(dataclasses.replace(settings, parse_memory_mb=LIMIT_MB))
    assert list(summary.quarantined) == ["2023/bomb.pdf"]
    assert len(summary.new) == 4
    ((path, _, kind, message),) = Ledger(settings.ledger_path).quarantined()
    assert (path, kind) == ("2023/bomb.pdf", "TooLarge") and f"past {LIMIT_MB} MB" in message

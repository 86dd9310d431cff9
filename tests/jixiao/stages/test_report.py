"""The static HTML report: its sections from the sample warehouse, self-contained, and rendered by a real
browser (headless Chromium) with no network."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from jixiao.stages.report import OUTCOME_COLORS, write_report
from tests.conftest import SAMPLE_RUN_ID as RUN_ID
from tests.conftest import SampleWarehouse

CHROMIUM = next(
    (path for name in ("chromium", "chromium-browser", "google-chrome") if (path := shutil.which(name))), None
)
requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)"
)

SECTIONS = {
    "high-tech": ("高新技术企业趋势", "High-tech enterprises (高企) by district"),
    "attainment": ("指标目标达成", "Target attainment by district and indicator"),
    "budget": ("预算概览", "Budget by department and funding source"),
    "reconciliation": ("对账检查", "Reconciliation of the run"),
}
# On the samples: 高企 trend; attainment counts and grid; budget of 广州市 and of 黄埔区; check outcomes.
SAMPLE_FIGURES = 6
# Headless Chromium with --enable-logging=stderr --v=0 writes every console message and every uncaught
# exception as `[pid:tid:time:INFO:CONSOLE:<line>] "<message>", source: <url>`; log, warn and error all
# come out at INFO, so the level cannot be told apart and the report must log nothing at all.
CONSOLE_LINE = re.compile(r":CONSOLE[:(]\d+")


@pytest.fixture(scope="module")
def report(sample_warehouse: SampleWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(sample_warehouse.path, tmp_path_factory.mktemp("report-out") / "report.html")


def chromium(url: str, profile: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run on `url` with the network unreachable (every host name fails to
    resolve), so a chart that needed a CDN would not render."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",  # its own profile: a second Chromium would join a running one
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=10000",
        "--enable-logging=stderr",
        "--v=0",
        *flags,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE_LINE.search(line)]


def test_report_shows_every_section_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert '"Noto Sans CJK SC"' in page
    for anchor, (chinese, english) in SECTIONS.items():
        assert f'<section id="{anchor}">' in page
        assert chinese in page and english in page
    assert "no data yet" not in page
    assert page.count('class="plotly-graph-div') == SAMPLE_FIGURES
    # plotly.js is inlined once; nothing is loaded from anywhere, let alone the network.
    assert page.count("<script") == SAMPLE_FIGURES + 1
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*href=[\"']?https?:", page)
    # Amounts in tables are the DECIMAL's digits, never a float's.
    for amount in ("494,772.54", "476,904.30", "476,904.29", "364,607.20", "-1,289.07"):
        assert f">{amount}<" in page
    assert "key_task_funds" in page and "warned" in page
    assert "高新技术企业总数突破2500家" in page
    assert not list(report.parent.glob(".*.tmp")), "the temporary file was renamed into place"


def test_reconciliation_of_a_given_run(sample_warehouse: SampleWarehouse, tmp_path: Path) -> None:
    served_warehouse = sample_warehouse.path
    chosen = write_report(served_warehouse, tmp_path / "chosen.html", run_id=RUN_ID).read_text("utf-8")
    assert f"<code>{RUN_ID}</code>" in chosen and "failed and warned (1)" in chosen
    # Counted in DuckDB, every result of the run: the summary's figures are the table's.
    with duckdb.connect(str(served_warehouse), read_only=True) as connection:
        counts = dict(
            connection.execute(
                "select outcome, count(*) from reconciliation.results where run_id = ? group by outcome",
                [RUN_ID],
            ).fetchall()
        )
    listed = ", ".join(f"{counts[outcome]} {outcome}" for outcome in OUTCOME_COLORS if outcome in counts)
    assert f": {sum(counts.values())} checks, {listed}</p>" in chosen
    assert counts["passed"] > 1 and counts["warned"] == 1
    unknown = write_report(served_warehouse, tmp_path / "unknown.html", run_id="no_such_run").read_text(
        "utf-8"
    )
    assert "no data yet (run no_such_run has no rows)" in unknown
    assert unknown.count('class="plotly-graph-div') == SAMPLE_FIGURES - 1


def test_sections_without_rows_say_no_data_yet(tmp_path: Path) -> None:
    warehouse = tmp_path / "empty.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.mart_budget_overview (department_name_zh varchar, department_name_printed"
            " varchar, fiscal_year integer, measure_group varchar, measure varchar,"
            " amount_wan_yuan decimal(20, 4))"
        )
    page = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("no data yet") == len(SECTIONS)
    assert "plotly-graph-div" not in page and "<script" not in page


@requires_chromium
def test_console_messages_are_detected(tmp_path: Path) -> None:
    """The check below trusts a missing CONSOLE line only if this Chromium still prints one."""
    probe = tmp_path / "probe.html"
    probe.write_text(
        '<!DOCTYPE html><meta charset="utf-8"><script>console.error("probe-error");'
        "setTimeout(function () { undefinedFunction(); }, 10);</script>",
        encoding="utf-8",
    )
    lines = console_lines(chromium(probe.as_uri(), tmp_path / "profile", "--dump-dom").stderr)
    assert any("probe-error" in line for line in lines), lines
    assert any("Uncaught ReferenceError" in line for line in lines), lines


@requires_chromium
def test_report_renders_offline_in_chromium(report: Path, tmp_path: Path) -> None:
    rendered = chromium(report.as_uri(), tmp_path / "profile", "--dump-dom")
    assert console_lines(rendered.stderr) == []
    figures = rendered.stdout.split('class="plotly-graph-div')[1:]
    assert len(figures) == SAMPLE_FIGURES
    for figure in figures:
        assert 'class="main-svg"' in figure, "plotly drew no SVG for a figure"
    assert 'class="trace bars"' in rendered.stdout and 'class="point"' in rendered.stdout

    screenshot = tmp_path / "report.png"
    shot = chromium(
        report.as_uri(), tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,2400"
    )
    assert console_lines(shot.stderr) == []
    with Image.open(screenshot) as image:
        assert image.format == "PNG" and image.size == (1280, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 100, "the screenshot is (nearly) blank"
    assert screenshot.stat().st_size > 50_000


def test_attainment_says_where_each_pair_came_from(table_warehouse: SampleWarehouse, tmp_path: Path) -> None:
    """With self-evaluation tables landed, a table's row pairs its own target and actual, and the
    attainment section says so, naming the table; elsewhere the form's target meets the report's
    actual, as on the samples alone."""
    page = write_report(table_warehouse.path, tmp_path / "report.html").read_text(encoding="utf-8")
    section = page.split('<section id="attainment">')[1].split("</section>")[0]
    table = "自评表 self-evaluation table: 2024/tianhe_2024_dept_self_evaluation_table.pdf"
    assert "<th>来源 target and actual from</th>" in section
    assert "pairs from self-evaluation tables 自评表" in section
    assert (
        '<tr><td>天河区</td><td class="num">2024</td><td>高新技术企业认定数</td><td>≥800家</td><td>856</td>'
        f"<td>met</td><td>{table}</td></tr>"
    ) in section
    assert (
        '<tr><td>广州市</td><td class="num">2023</td><td>入库科技型中小企业</td><td>≥18000家</td>'
        "<td>17236家</td><td>not met</td><td>自评表 self-evaluation table: "
        "2023/guangzhou_2023_dept_self_evaluation_table.pdf</td></tr>"
    ) in section
    assert (
        '<tr><td>黄埔区</td><td class="num">2023</td><td>高新技术企业总数</td><td>&gt;2500家</td><td></td>'
        "<td>no actual yet</td><td>目标表 + 自评报告 targets and report</td></tr>"
    ) in section

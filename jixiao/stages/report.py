"""A static HTML report of the warehouse: one self-contained file (plotly.js inlined) that opens offline.

Written after each publication (`refresh_report`, the transform's `report` task), or by hand with

    jixiao report [--warehouse FILE] [--output FILE] [--run-id RUN]

which reads the served warehouse (JIXIAO_WAREHOUSE) read-only and writes `report.html` next to it.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note

log = logging.getLogger(__name__)
Row = dict[str, Any]
T = TypeVar("T")
Column = tuple[str, str]  # (column name, header shown)

FONT_FAMILY = (
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)
TEMPLATE = "plotly_white"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
ATTAINMENT_COLORS = {
    "met": "#2ca02c",
    "not met": "#d62728",
    "no actual yet": "#9ecae1",
    "qualitative": "#bcbddc",
    "no target": "#fdae6b",
}
OUTCOME_COLORS = {"failed": "#d62728", "warned": "#ff7f0e", "passed": "#2ca02c", "not_applicable": "#bdbdbd"}
# Where a row's target and actual came from (mart_indicator_trend.pair_source).
PAIR_SOURCES = {
    "self_evaluation_table": "自评表 self-evaluation table",
    "targets_and_report": "目标表 + 自评报告 targets and report",
}
MEASURE_GROUPS = {
    "budget_line": "预算整体情况 budget lines",
    "project_table_total": "项目表单位合计 project table total",
    "project_funding_source": "项目支出·资金来源 projects by funding source",
    "project_fund_user": "项目支出·资金使用单位 projects by fund-using unit",
}

HIGH_TECH_SQL = """
    select department_label, fiscal_year, measure_code, measure_name_zh, target_value, target_text,
           actual_value, actual_is_lower_bound, actual_text, attainment
    from marts.mart_high_tech_enterprise_trend
    order by department_label, measure_code, fiscal_year
"""
INDICATOR_SQL = """
    select coalesce(departments.division_name_zh, trend.department_key) as department_label,
           trend.indicator_code, trend.indicator_name_zh, trend.fiscal_year,
           trend.target_text, trend.actual_text, trend.attainment, trend.pair_source, trend.pair_source_path
    from marts.mart_indicator_trend as trend
    left join marts.dim_department as departments on trend.department_key = departments.department_code
    order by department_label, trend.fiscal_year, trend.indicator_code, trend.indicator_name_zh
"""
BUDGET_SQL = """
    select department_name_zh, department_name_printed, fiscal_year, measure_group, measure, amount_wan_yuan
    from marts.mart_budget_overview
    order by department_name_zh, fiscal_year, measure_group, department_name_printed, measure
"""
LATEST_RUN_SQL = "select max_by(run_id, checked_at) from reconciliation.results"
# A run holds a result for every check of every document version landed: the report counts them in
# DuckDB and reads only the rows it lists.
OUTCOMES_SQL = """
    select stage, outcome, count(*) as checks, max(checked_at) as checked_at
    from reconciliation.results
    where run_id = ?
    group by stage, outcome
    order by stage, min(check_number), outcome
"""
PROBLEMS_SQL = """
    select run_id, checked_at, stage, check_id, check_number, check_label, severity, documents,
           observed, expected, difference, tolerance, outcome, passed, detail
    from reconciliation.results
    where run_id = ? and outcome in ('failed', 'warned')
    order by stage, check_number, check_id, documents
"""


@dataclass(frozen=True)
class Snapshot:
    """What the report shows, read in one short read-only connection."""

    high_tech: list[Row]
    indicators: list[Row]
    budget: list[Row]
    run_id: str | None
    outcomes: list[Row]  # the run's results counted per stage and outcome
    problems: list[Row]  # its failed and warned results


def write_report(warehouse: Path, target: Path, run_id: str | None = None) -> Path:
    """Write the report of `warehouse` to `target` (reconciliation of `run_id`, default the latest run)."""
    snapshot = read_snapshot(warehouse, run_id)
    page = render_page(snapshot, warehouse, datetime.now(UTC))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed over it: a reader opens the old report or the new one.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(page)
        os.chmod(temporary, 0o644)
        pause_at("report.before_rename")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def refresh_report(settings: Settings) -> str | None:
    """The report of the served publication, unless the one on disk already is (a night with nothing
    new writes it only if the night that published was stopped before its report)."""
    if not settings.warehouse.is_file():
        return None
    publication = publication_of(settings.warehouse)
    shown = (settings.state.read(Note.REPORT) or {}).get("publication")
    if shown == publication and settings.report_path.is_file():
        log.info("the report already shows the served publication (run %s)", publication)
    else:
        write_report(settings.warehouse, settings.report_path, publication)
        settings.state.write(Note.REPORT, {"publication": publication})
    return str(settings.report_path)


def publication_of(warehouse: Path) -> str | None:
    """The run that published `warehouse` (meta.publication); None for a file never published."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (run_id,) = connection.execute("select max(run_id) from meta.publication").fetchone() or (None,)
    return str(run_id) if run_id is not None else None


def read_snapshot(warehouse: Path, run_id: str | None = None) -> Snapshot:
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run the pipeline first (jixiao run)")
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        if run_id is None:
            latest = _rows(connection, LATEST_RUN_SQL)
            run_id = next(iter(latest[0].values())) if latest else None
        return Snapshot(
            high_tech=_rows(connection, HIGH_TECH_SQL),
            indicators=_rows(connection, INDICATOR_SQL),
            budget=_rows(connection, BUDGET_SQL),
            run_id=run_id,
            outcomes=_rows(connection, OUTCOMES_SQL, [run_id]) if run_id else [],
            problems=_rows(connection, PROBLEMS_SQL, [run_id]) if run_id else [],
        )


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[object] = ()) -> list[Row]:
    """Rows as dicts with DuckDB's own Python values (DECIMAL stays Decimal); a model that was never
    built reads as no rows, so a partial warehouse still gets a report."""
    try:
        cursor = connection.execute(sql, parameters)
    except duckdb.CatalogException:
        return []
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


# ---- the page ----------------------------------------------------------------------------------------

STYLE = f"""
body {{ font-family: {FONT_FAMILY}; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; color: #222; }}
h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
h2 {{ border-bottom: 2px solid #1f77b4; padding-bottom: 4px; margin-top: 2em; }}
h2 .en {{ color: #666; font-weight: normal; font-size: 0.75em; margin-left: 0.5em; }}
nav a {{ margin-right: 1.2em; }}
.meta, .note {{ color: #555; }}
.no-data {{ background: #f6f6f6; border-left: 4px solid #bbb; padding: 12px 16px; color: #555; }}
table {{ border-collapse: collapse; font-size: 0.88em; margin: 8px 0 16px; }}
th, td {{ border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #f3f6fa; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
details summary {{ cursor: pointer; color: #1f77b4; margin: 8px 0; }}
"""


def render_page(snapshot: Snapshot, warehouse: Path, generated_at: datetime) -> str:
    # Every figure's style, as plotly's default: a template given per figure is validated and
    # deep-copied into each one (four of the five seconds of a report of 100 figures).
    pio.templates.default = TEMPLATE
    sections = [
        ("high-tech", "高新技术企业趋势", "High-tech enterprises (高企) by district", _high_tech(snapshot)),
        ("attainment", "指标目标达成", "Target attainment by district and indicator", _attainment(snapshot)),
        ("budget", "预算概览", "Budget by department and funding source (万元)", _budget(snapshot)),
        ("reconciliation", "对账检查", "Reconciliation of the run", _reconciliation(snapshot)),
    ]
    has_figures = any('class="plotly-graph-div' in body for *_, body in sections)
    # plotly.js once, inline, in the head: every figure below uses it and the file needs no network.
    script = f'<script type="text/javascript">{get_plotlyjs()}</script>' if has_figures else ""
    written = datetime.fromtimestamp(warehouse.stat().st_mtime, UTC).isoformat(timespec="seconds")
    navigation = " ".join(f'<a href="#{anchor}">{zh}</a>' for anchor, zh, _, _ in sections)
    body = "\n".join(
        f'<section id="{anchor}"><h2>{zh}<span class="en">{en}</span></h2>\n{content}</section>'
        for anchor, zh, en, content in sections
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>jixiao 绩效 · 数据仓库报告 warehouse report</title>
<style>{STYLE}</style>
{script}
</head>
<body>
<h1>jixiao 绩效 · 数据仓库报告 <span class="en">warehouse report</span></h1>
<p class="meta">{_escape(warehouse.name)} last written {written} · report generated
{generated_at.isoformat(timespec="seconds")}</p>
<nav>{navigation}</nav>
{body}
</body>
</html>
"""


def _high_tech(snapshot: Snapshot) -> str:
    rows = snapshot.high_tech
    if not rows:
        return _no_data("marts.mart_high_tech_enterprise_trend")
    columns: list[Column] = [
        ("department_label", "地区 district"),
        ("fiscal_year", "年度 year"),
        ("measure_name_zh", "指标 measure"),
        ("target_text", "目标 target"),
        ("actual_text", "实际 actual"),
        ("attainment", "达成 attainment"),
    ]
    note = (
        '<p class="note">Dashed lines and open circles: targets; solid lines and diamonds: actuals '
        "(a triangle when the actual is a lower bound, 突破/超过). Hover for the text as printed.</p>"
    )
    return note + _figure(_high_tech_figure(rows)) + _table(columns, rows)


def _high_tech_figure(rows: list[Row]) -> go.Figure:
    districts = _unique(row["department_label"] for row in rows)
    measures = _unique(row["measure_name_zh"] for row in rows)
    figure = make_subplots(rows=1, cols=len(districts), subplot_titles=districts)
    shown: set[str] = set()
    for column, district in enumerate(districts, start=1):
        for index, measure in enumerate(measures):
            series = [
                row
                for row in rows
                if row["department_label"] == district and row["measure_name_zh"] == measure
            ]
            color = PALETTE[index % len(PALETTE)]
            for trace in _high_tech_traces(series, measure, color):
                trace.showlegend = trace.name not in shown
                shown.add(str(trace.name))
                figure.add_trace(trace, row=1, col=column)
    years = [row["fiscal_year"] for row in rows]
    # A single year would otherwise get fractional ticks (2022.5) and a point squeezed to the edge.
    figure.update_xaxes(range=[min(years) - 0.5, max(years) + 0.5], dtick=1, tickformat="d")
    figure.update_yaxes(title_text="家 enterprises", rangemode="tozero")
    return _styled(figure, height=460)


def _high_tech_traces(series: list[Row], measure: str, color: str) -> list[go.Scatter]:
    traces = []
    targets = [row for row in series if row["target_value"] is not None]
    actuals = [row for row in series if row["actual_value"] is not None]
    if targets:
        traces.append(
            go.Scatter(
                x=[row["fiscal_year"] for row in targets],
                y=[float(row["target_value"]) for row in targets],
                hovertext=[_escape(row["target_text"] or "") for row in targets],
                hovertemplate="%{x}: %{hovertext}<extra></extra>",
                name=f"{measure} 目标 target",
                legendgroup=f"{measure} 目标 target",
                mode="lines+markers",
                line={"color": color, "dash": "dash"},
                marker={"symbol": "circle-open", "size": 12, "line": {"width": 2}},
            )
        )
    if actuals:
        traces.append(
            go.Scatter(
                x=[row["fiscal_year"] for row in actuals],
                y=[float(row["actual_value"]) for row in actuals],
                hovertext=[_escape(row["actual_text"] or "") for row in actuals],
                hovertemplate="%{x}: %{hovertext}<extra></extra>",
                name=f"{measure} 实际 actual",
                legendgroup=f"{measure} 实际 actual",
                mode="lines+markers",
                line={"color": color},
                marker={
                    "symbol": [
                        "triangle-up" if row["actual_is_lower_bound"] else "diamond" for row in actuals
                    ],
                    "size": 13,
                },
            )
        )
    return traces


def _attainment(snapshot: Snapshot) -> str:
    rows = snapshot.indicators
    if not rows:
        return _no_data("marts.mart_indicator_trend")
    rows = [{**row, "pair_from": _pair_from(row)} for row in rows]
    mapped = [row for row in rows if row["indicator_code"] is not None]
    from_tables = [row for row in rows if row["pair_source"] == "self_evaluation_table"]
    columns: list[Column] = [
        ("department_label", "地区 district"),
        ("fiscal_year", "年度 year"),
        ("indicator_name_zh", "指标 indicator"),
        ("target_text", "目标 target"),
        ("actual_text", "实际 actual"),
        ("attainment", "达成 attainment"),
        ("pair_from", "来源 target and actual from"),
    ]
    parts = [
        '<p class="note">Every department × indicator × year of the mart, by attainment; indicators '
        "without a catalogue entry (unmapped wordings) are counted here but left out of the grid. "
        "Where a self-evaluation table (自评表) of the department and year states the indicator, its "
        "target and actual are that table's row; otherwise the target of a form, key task or project "
        "table and the actual of the self-evaluation report (自评报告).</p>",
        _figure(_attainment_counts_figure(rows)),
    ]
    if mapped:
        parts.append(_figure(_attainment_grid_figure(mapped)))
        parts.append(_details(f"catalogue indicators ({len(mapped)} rows)", _table(columns, mapped)))
    if from_tables:
        summary = f"pairs from self-evaluation tables 自评表 ({len(from_tables)} rows, catalogue or not)"
        parts.append(_details(summary, _table(columns, from_tables)))
    return "".join(parts)


def _pair_from(row: Row) -> str:
    """Where the row's target and actual came from: the table's file, or the two kinds of document."""
    label = PAIR_SOURCES.get(row["pair_source"] or "", row["pair_source"] or "")
    return f"{label}: {row['pair_source_path']}" if row["pair_source_path"] else label


def _attainment_counts_figure(rows: list[Row]) -> go.Figure:
    districts = _unique(row["department_label"] for row in rows)
    outcomes = _ordered(ATTAINMENT_COLORS, (row["attainment"] for row in rows))
    figure = go.Figure()
    for outcome in outcomes:
        counts = [
            sum(1 for r in rows if r["department_label"] == d and r["attainment"] == outcome)
            for d in districts
        ]
        figure.add_bar(
            x=districts, y=counts, name=outcome, marker_color=ATTAINMENT_COLORS.get(outcome), text=counts
        )
    figure.update_layout(barmode="stack", title="达成情况 attainment (department × indicator × year)")
    figure.update_yaxes(title_text="rows")
    return _styled(figure, height=420)


def _attainment_grid_figure(rows: list[Row]) -> go.Figure:
    """Catalogue indicators (rows) against district and year (columns), coloured by attainment."""
    indicators = sorted(_unique(row["indicator_name_zh"] for row in rows))
    cells = _unique(f"{row['department_label']} {row['fiscal_year']}" for row in rows)
    outcomes = _ordered(ATTAINMENT_COLORS, (row["attainment"] for row in rows))
    by_cell = {
        (row["indicator_name_zh"], f"{row['department_label']} {row['fiscal_year']}"): row for row in rows
    }
    z: list[list[int | None]] = []
    text: list[list[str]] = []
    hover: list[list[str]] = []
    for indicator in indicators:
        found = [by_cell.get((indicator, cell)) for cell in cells]
        z.append([outcomes.index(row["attainment"]) if row else None for row in found])
        text.append([row["attainment"] if row else "" for row in found])
        hover.append([_hover(row) if row else "" for row in found])
    # A stepwise colour scale, so that each attainment value gets its own flat colour.
    steps = len(outcomes)
    colorscale = [
        [position, ATTAINMENT_COLORS.get(outcome, "#999999")]
        for index, outcome in enumerate(outcomes)
        for position in (index / steps, (index + 1) / steps)
    ]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=cells,
            y=indicators,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{y} · %{x}<br>%{customdata}<extra></extra>",
            colorscale=colorscale,
            zmin=-0.5,
            zmax=steps - 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(title="目录指标 catalogue indicators")
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(side="top")
    return _styled(figure, height=160 + 28 * len(indicators))


def _hover(row: Row) -> str:
    # Plotly reads hover text as HTML: a printed "<5%" must not open a tag.
    target, actual = _escape(row["target_text"] or "—"), _escape(row["actual_text"] or "—")
    return f"目标 target: {target}<br>实际 actual: {actual}<br>来源 from: {_escape(row['pair_from'])}"


def _budget(snapshot: Snapshot) -> str:
    rows = snapshot.budget
    if not rows:
        return _no_data("marts.mart_budget_overview")
    columns: list[Column] = [
        ("department_name_printed", "部门 department (as printed)"),
        ("fiscal_year", "年度 year"),
        ("measure_group", "分组 group"),
        ("measure", "项目 measure"),
        ("amount_wan_yuan", "金额 amount (万元)"),
    ]
    panels = _unique((row["department_name_zh"], row["fiscal_year"]) for row in rows)
    figures = [
        _figure(
            _budget_figure(
                [r for r in rows if (r["department_name_zh"], r["fiscal_year"]) == panel],
                f"{panel[0]} {panel[1]}",
            )
        )
        for panel in panels
    ]
    return "".join(figures) + _details(f"exact amounts ({len(rows)} rows)", _table(columns, rows))


def _budget_figure(rows: list[Row], title: str) -> dict[str, Any]:
    """One department and year: a horizontal bar per measure, grouped on the axis by measure group
    (财政拨款 is a budget line, a project table total and a funding source at once).

    A plotly figure as plain data, not a `go.Figure`: there is one per department and year, and
    building and validating them as objects took most of a report's seconds."""
    groups = _ordered(MEASURE_GROUPS, (row["measure_group"] for row in rows))
    bars = []
    for group in groups:
        series = [row for row in rows if row["measure_group"] == group]
        label = MEASURE_GROUPS.get(group, group)
        amounts = [_text(row["amount_wan_yuan"]) for row in series]
        bars.append(
            {
                "type": "bar",
                "y": [[label.split(" ")[0]] * len(series), [row["measure"] for row in series]],
                "x": [float(row["amount_wan_yuan"]) for row in series],
                "orientation": "h",
                "text": amounts,
                "textposition": "outside",
                "cliponaxis": False,
                "customdata": amounts,
                "hovertemplate": "%{y}: %{customdata} 万元<extra></extra>",
                "name": label,
                "marker": {"color": _group_color(group)},
            }
        )
    layout = {
        **_style(height=110 + 26 * len(rows)),
        "template": _template(),
        "title": {"text": title},
        "showlegend": False,
        "xaxis": {"title": {"text": "万元"}, "tickformat": ","},
        "yaxis": {"autorange": "reversed"},
    }
    layout["margin"] = {**layout["margin"], "r": 100}  # room for the amount printed past the longest bar
    return {"data": bars, "layout": layout}


@functools.cache
def _template() -> dict[str, Any]:
    """The figures' template as plotly data, for a figure given as data (plotly adds it to the others)."""
    return dict(pio.templates[TEMPLATE].to_plotly_json())


def _group_color(group: str) -> str:
    known = list(MEASURE_GROUPS)
    return PALETTE[(known.index(group) if group in known else len(known)) % len(PALETTE)]


def _reconciliation(snapshot: Snapshot) -> str:
    counted = snapshot.outcomes
    if not counted:
        which = f"run {snapshot.run_id}" if snapshot.run_id else "reconciliation.results"
        return _no_data(which)
    checked_at = max(row["checked_at"] for row in counted)
    outcomes = _ordered(OUTCOME_COLORS, (row["outcome"] for row in counted))
    counts = ", ".join(f"{_count(counted, outcome=o)} {o}" for o in outcomes)
    summary = (
        f'<p class="meta">run <code>{_escape(snapshot.run_id or "")}</code>, checked '
        f"{_escape(_text(checked_at))}: {_count(counted)} checks, {_escape(counts)}</p>"
    )
    problems = snapshot.problems
    columns: list[Column] = [
        ("stage", "阶段 stage"),
        ("check_number", "#"),
        ("check_id", "检查 check"),
        ("check_label", "说明 label"),
        ("severity", "级别 severity"),
        ("documents", "文件 documents"),
        ("observed", "观测 observed"),
        ("expected", "预期 expected"),
        ("difference", "差额 difference"),
        ("tolerance", "容差 tolerance"),
        ("outcome", "结果 outcome"),
        ("detail", "详情 detail"),
    ]
    listing = (
        f"<h3>未通过与警告 failed and warned ({len(problems)})</h3>{_table(columns, problems)}"
        if problems
        else '<p class="note">No check failed or warned in this run.</p>'
    )
    return summary + _figure(_outcome_figure(counted, outcomes)) + listing


def _count(counted: list[Row], **where: str) -> int:
    """The results counted in `counted` (rows of `OUTCOMES_SQL`) whose columns have the values given."""
    return sum(
        int(row["checks"]) for row in counted if all(row[key] == value for key, value in where.items())
    )


def _outcome_figure(counted: list[Row], outcomes: list[str]) -> go.Figure:
    stages = _unique(row["stage"] for row in counted)
    figure = go.Figure()
    for outcome in outcomes:
        counts = [_count(counted, stage=stage, outcome=outcome) for stage in stages]
        figure.add_bar(
            y=stages,
            x=counts,
            orientation="h",
            name=outcome,
            marker_color=OUTCOME_COLORS.get(outcome),
            text=[count or "" for count in counts],
        )
    figure.update_layout(barmode="stack", title="检查结果 outcomes per stage")
    return _styled(figure, height=140 + 70 * len(stages))


# ---- building blocks ---------------------------------------------------------------------------------


def _style(height: int) -> dict[str, Any]:
    """Every figure's layout but its own title and axes."""
    return {
        "height": height,
        "font": {"family": FONT_FAMILY, "size": 13},
        "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
        "legend": {"orientation": "h", "y": -0.15},
    }


def _styled(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(**_style(height))
    return figure


def _figure(figure: go.Figure | dict[str, Any]) -> str:
    """The figure's HTML (plotly.js is in the page's head). A figure given as data is plotly's
    JSON already: not validated again."""
    return str(
        pio.to_html(
            figure,
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
            validate=not isinstance(figure, dict),
        )
    )


def _table(columns: Sequence[Column], rows: Iterable[Row]) -> str:
    header = "".join(f"<th>{_escape(title)}</th>" for _, title in columns)
    body = "\n".join("<tr>" + "".join(_cell(row[name]) for name, _ in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _cell(value: object) -> str:
    numeric = isinstance(value, Decimal | int | float) and not isinstance(value, bool)
    return f'<td class="num">{_escape(_text(value))}</td>' if numeric else f"<td>{_escape(_text(value))}</td>"


def _text(value: object) -> str:
    """Exact text of a value: a DECIMAL shows all its digits (two decimals at least), never a float's."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if value == value.quantize(Decimal("0.01")):
            return f"{value:,.2f}"
        return f"{value.normalize():,f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def _details(summary: str, content: str) -> str:
    return f"<details><summary>{_escape(summary)}</summary>{content}</details>"


def _no_data(source: str) -> str:
    return f'<p class="no-data">暂无数据 · no data yet ({_escape(source)} has no rows).</p>'


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _unique(values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))


def _ordered(known: dict[str, Any], values: Iterable[str]) -> list[str]:
    """The values present, in the order of `known` first, then any new value in order of appearance."""
    present = _unique(values)
    return [value for value in known if value in present] + [value for value in present if value not in known]

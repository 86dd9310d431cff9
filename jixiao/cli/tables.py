"""Terminal tables (rich) for people; machines read the JSON contract or the warehouse."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.records import ParsedDocument


def make_console() -> Console:
    # Piped into a log (CI, `make run | tee`), rich would squeeze tables to 80 columns.
    console = Console()
    return console if console.is_terminal else Console(width=160)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value == value.quantize(Decimal("0.01")) else f"{value:,}"
    return str(value)


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], console: Console | None = None
) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    (console or make_console()).print(table)


def print_document(document: ParsedDocument) -> None:
    header = document.header
    console = make_console()
    console.print(
        f"[bold]{header.department}[/bold]  {header.year} ({header.year_source.value})  "
        f"{header.doc_type.value}  {header.page_count} pages  sha256 {header.sha256[:12]}"
    )
    if "budget_lines" in document.sections:
        print_table(
            "budget lines (万元)",
            ["section", "label", "amount", "page", "row"],
            ((b.section, b.label, b.amount_wan_yuan, b.page, b.row) for b in document.budget_lines),
            console,
        )
    if "key_tasks" in document.sections:
        print_table(
            "年度重点工作任务 key tasks (万元)",
            ["name", "funds", "content", "goal", "pages"],
            ((k.name, k.funds_wan_yuan, k.content, k.goal, _pages(k.pages)) for k in document.key_tasks),
            console,
        )
    if "indicators" in document.sections:
        print_table(
            "绩效指标 indicators",
            ["一级", "二级", "三级 name", "period target", "annual target", "page"],
            (
                (i.level1, i.level2, i.name, i.period_target, i.annual_target, i.page)
                for i in document.indicators
            ),
            console,
        )
    if "projects" in document.sections:
        print_table(
            "projects (万元)",
            ["name", "total", "fiscal", "special account", "other", "pages"],
            (
                (p.name, p.total, p.fiscal, p.special_account, p.other, _pages(p.pages))
                for p in document.projects
            ),
            console,
        )
        print_table(
            "project indicators",
            ["project", "#", "一级", "name", "annual target"],
            (
                (p.name, i.number, i.level1, i.name, i.annual_target)
                for p in document.projects
                for i in p.indicators
            ),
            console,
        )
    if "scores" in document.sections:
        print_table(
            "scores",
            ["一级", "二级", "score", "合计", "page"],
            ((s.level1, s.level2, s.score, s.subtotal, s.page) for s in document.scores),
            console,
        )
    if "evaluation" in document.sections:
        _print_evaluation(document, console)
    if "facts" in document.sections:
        print_table(
            "facts",
            ["label", "value", "unit", "qualifier", "page", "text"],
            ((f.label, f.value, f.unit, f.qualifier, f.page, f.text) for f in document.facts),
            console,
        )
    if document.targets:
        print_table(
            "targets, as read from the lists above",
            ["source", "line", "period", "wording", "comparator", "value", "unit", "as printed"],
            (
                (t.source, t.source_line, t.period, t.wording, t.comparator, t.value, t.unit, t.part_text)
                for t in document.targets
            ),
            console,
        )


def _print_evaluation(document: ParsedDocument, console: Console) -> None:
    for summary in document.evaluation:
        print_table(
            "自评表 what the table evaluates",
            ["项目名称", "主管部门", "实施单位", "总分 分值", "总分 得分", "page"],
            [
                (
                    summary.project,
                    summary.supervising_unit,
                    summary.implementing_unit,
                    summary.total_weight,
                    summary.total_score,
                    summary.page,
                )
            ],
            console,
        )
        print_table(
            "年度总体目标 goal",
            ["预期目标 expected", "实际完成情况 achieved"],
            [(summary.goal_expected, summary.goal_achieved)],
            console,
        )
    print_table(
        "预算执行情况 budget execution (万元)",
        ["label", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率 %", "得分", "page"],
        (
            (
                line.label,
                line.initial_budget,
                line.annual_budget,
                line.executed,
                line.weight,
                line.execution_rate_percent,
                line.score,
                line.page,
            )
            for line in document.execution_lines
        ),
        console,
    )
    print_table(
        "绩效指标 evaluated indicators",
        ["一级", "二级", "三级 name", "target", "性质", "单位", "actual", "分值", "得分", "page"],
        (
            (
                item.level1,
                item.level2,
                item.name,
                item.target,
                item.target_nature,
                item.target_unit,
                item.actual,
                item.weight,
                item.score,
                item.page,
            )
            for item in document.evaluated_indicators
        ),
        console,
    )


def _pages(pages: tuple[int, ...]) -> str:
    """A record's pages as printed: `3` or `3–4` (a row broken across a page break)."""
    return str(pages[0]) if len(set(pages)) == 1 else f"{min(pages)}–{max(pages)}"

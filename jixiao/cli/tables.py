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
    if "projects" in document.sections:
        print_table(
            "projects (万元)",
            ["name", "total", "fiscal", "special account", "other", "page"],
            ((p.name, p.total, p.fiscal, p.special_account, p.other, p.pages[0]) for p in document.projects),
            console,
        )
    if "facts" in document.sections:
        print_table(
            "facts",
            ["label", "value", "unit", "qualifier", "page", "text"],
            ((f.label, f.value, f.unit, f.qualifier, f.page, f.text) for f in document.facts),
            console,
        )

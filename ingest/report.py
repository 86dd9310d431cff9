"""Terminal tables (rich) for people; machines read the JSON contract or the warehouse."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.records import ParsedDocument


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], console: Console | None = None) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    (console or Console()).print(table)


def print_document(document: ParsedDocument) -> None:
    header = document.header
    console = Console()
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
            ((p.name, p.total, p.fiscal, p.special_account, p.other, p.page) for p in document.projects),
            console,
        )
    if "facts" in document.sections:
        print_table(
            "facts",
            ["label", "value", "unit", "qualifier", "page", "text"],
            ((f.label, f.value, f.unit, f.qualifier, f.page, f.text) for f in document.facts),
            console,
        )

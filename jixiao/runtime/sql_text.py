"""Values pasted into SQL where DuckDB takes no parameter (COPY … TO, ATTACH): quoted, never raw,
so a path with a quote in it is a path, not the end of the statement."""

from __future__ import annotations

from pathlib import Path


def string_literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

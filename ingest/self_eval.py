"""部门整体支出绩效自评报告 → records: who, which year, and the figures stated in prose."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ingest.errors import MissingSection
from ingest.prose import ProseText, extract_facts, join_pages, load_patterns
from ingest.records import Fact

_TITLE = re.compile(r"^(?P<department>.+?)\s*(?P<year>20\d{2})\s*年度?\s*部门整体支出\s*绩效自评报告")


def title_of(first_page: str) -> str:
    """The title may wrap over several lines; it ends with 自评报告."""
    return join_pages([first_page.split("自评报告", 1)[0] + "自评报告"]).text


def department_name(first_page: str, path: Path) -> str:
    """The department is the title's text before the evaluated year."""
    title = title_of(first_page)
    match = _TITLE.search(title)
    if not match:
        expected = "<部门>20xx年度部门整体支出绩效自评报告"
        raise MissingSection(path, f"title does not read {expected!r}: {title[:60]!r}")
    return match.group("department")


def facts(pages: Sequence[str]) -> list[Fact]:
    prose: ProseText = join_pages(pages)
    return extract_facts(prose, load_patterns())

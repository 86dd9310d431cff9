"""The title of a document and the year it reports on, read from its first printed page.

Bureaus print the same document under many titles (部门整体预算绩效目标申报表, 2024年市级部门整体预算
绩效目标表, 部门整体支出绩效目标申报表 …): each family declares the pattern its titles follow
(ingest/families/), over the title region with its whitespace removed; this module finds the region
and reads the year around the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ingest.errors import UnknownYear
from ingest.pdf.text import squash
from ingest.records import DocType, YearSource

# The title is set on the first lines of the first printed page, under an attachment mark (附件2,
# 附表1) at most; it may wrap over three lines. A family's name printed after another document's
# title (a 决算's table of contents listing its annexes) is not this document's title.
_TITLE_LINES = 4
_ATTACHMENT_MARK = re.compile(r"^(?:附件|附表|表)\s*[\d一二三四五六七八九十]*\s*[:：]?$")
# Words before a family's name that make the page another document's (its annexes listed).
OTHER_TITLE = re.compile(r"决算|目录|报告|通知|公告|说明")
_YEAR = re.compile(r"(20\d{2})年度?")
_YEAR_AFTER = re.compile(r"[（(](20\d{2})年度?[）)]")
_YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class Title:
    """The title as printed (whitespace removed), what it names, and the parts around the name."""

    text: str
    doc_type: DocType
    before: str  # what precedes the family's name: a year, 市级, a department
    year: int | None  # printed in the title itself (2022年度…, 2024年市级…)


def title_region(first_page_text: str) -> str:
    lines = [line.strip() for line in first_page_text.splitlines() if line.strip()]
    while lines and _ATTACHMENT_MARK.match(squash(lines[0])):
        lines.pop(0)
    return squash("".join(lines[:_TITLE_LINES]))


def read_title(region: str, match: re.Match[str], doc_type: DocType) -> Title:
    """The title a family's pattern matched in the region, with the year printed around the name."""
    before = region[: match.start()]
    # The year stands before the name, with the department or alone; a few titles add it after
    # the name in parentheses: 部门整体支出绩效自评报告（2022年度）.
    year = _YEAR.search(before) or _YEAR_AFTER.match(region, match.end())
    return Title(
        text=region[: match.end()],
        doc_type=doc_type,
        before=before,
        year=int(year.group(1)) if year else None,
    )


def year_from_path(path: Path, source_path: str | None = None) -> int | None:
    """The nearest enclosing folder named like a year, below the landing folder only.

    `source_path` is the file's path relative to the landing folder (<year>/.../file.pdf): its
    folders are the ones that count, so a landing folder under /srv/2024/ dates nothing. Without
    one (a file parsed on its own), only the folder holding the file counts.
    """
    folders = list(PurePosixPath(source_path).parts[:-1]) if source_path else [path.parent.name]
    for name in reversed(folders):
        if _YEAR_FOLDER.match(name):
            return int(name)
    return None


def resolve_year(
    path: Path, printed: int | None, override: int | None, source_path: str | None = None
) -> tuple[int, YearSource]:
    if override is not None:
        return override, YearSource.OVERRIDE
    if printed is not None:
        return printed, YearSource.DOCUMENT
    from_path = year_from_path(path, source_path)
    if from_path is not None:
        return from_path, YearSource.LANDING_PATH
    raise UnknownYear(
        path, "no year printed and no <year>/ folder in its landing path; move it or pass --year"
    )

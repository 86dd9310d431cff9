"""Which form a document is, and which year it reports on."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import UnknownDocumentType, UnknownYear
from ingest.pdf.text import squash
from ingest.records import DocType, YearSource

# Checked in order on page 1 with whitespace removed: the self-evaluation's body may quote the
# other titles, the titles of forms never mention 自评.
_TITLES: tuple[tuple[str, DocType], ...] = (
    ("绩效自评报告", DocType.SELF_EVALUATION),
    ("部门整体预算绩效目标申报表", DocType.DEPT_TARGET_FORM),
    ("项目支出绩效目标表", DocType.PROJECT_TARGET_TABLE),
)
_YEAR_IN_TITLE = re.compile(r"(20\d{2})年度?")
_YEAR_FOLDER = re.compile(r"^(19|20)\d{2}$")


def detect_doc_type(first_page_text: str, path: Path) -> DocType:
    head = squash(first_page_text[:600])
    for marker, doc_type in _TITLES:
        if marker in head:
            return doc_type
    raise UnknownDocumentType(
        path, "page 1 names none of 部门整体预算绩效目标申报表, 项目支出绩效目标表, 绩效自评报告"
    )


def printed_year(first_page_text: str, doc_type: DocType) -> int | None:
    """A year printed in the title itself (2022年度…自评报告), not one quoted further down the page."""
    marker = next(marker for marker, kind in _TITLES if kind is doc_type)
    head = squash(first_page_text)
    end = head.find(marker)
    if end < 0:
        return None
    match = _YEAR_IN_TITLE.search(head[:end])
    return int(match.group(1)) if match else None


def year_from_path(path: Path) -> int | None:
    """The nearest enclosing folder named like a year: <landing>/<year>/.../file.pdf."""
    for parent in path.resolve().parents:
        if _YEAR_FOLDER.match(parent.name):
            return int(parent.name)
    return None


def resolve_year(path: Path, printed: int | None, override: int | None) -> tuple[int, YearSource]:
    if override is not None:
        return override, YearSource.OVERRIDE
    if printed is not None:
        return printed, YearSource.DOCUMENT
    from_path = year_from_path(path)
    if from_path is not None:
        return from_path, YearSource.LANDING_PATH
    raise UnknownYear(
        path, "no year printed and no <year>/ folder in its landing path; move it or pass --year"
    )

"""The document families jixiao reads, and which one a document is, from its title alone.

Adding a family is one module under ingest/families/ declaring a `FAMILY`, and one line here.
"""

from __future__ import annotations

from pathlib import Path

from ingest.errors import UnknownDocumentType
from ingest.families import (
    dept_self_evaluation_table,
    dept_target_form,
    project_self_evaluation_table,
    project_target_table,
    self_evaluation_report,
)
from ingest.families.family import Family
from ingest.identify import Title, read_title, title_region
from ingest.records import DocType

FAMILIES: tuple[Family, ...] = (
    self_evaluation_report.FAMILY,
    dept_target_form.FAMILY,
    project_target_table.FAMILY,
    dept_self_evaluation_table.FAMILY,
    project_self_evaluation_table.FAMILY,
)
_BY_TYPE = {family.doc_type: family for family in FAMILIES}


def family_of(doc_type: DocType) -> Family:
    return _BY_TYPE[doc_type]


def identify(first_page_text: str, path: Path) -> tuple[Family, Title]:
    """The family whose name the title prints first; UnknownDocumentType for any other document."""
    region = title_region(first_page_text)
    found = [(match, family) for family in FAMILIES if (match := family.identifies(region))]
    if not found:
        names = ", ".join(family.name_zh for family in FAMILIES)
        raise UnknownDocumentType(path, f"the title ({region[:40]!r}) names none of {names}")
    match, family = min(found, key=lambda item: item[0].start())
    return family, read_title(region, match, family.doc_type)

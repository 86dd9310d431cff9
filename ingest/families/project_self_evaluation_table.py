"""项目支出绩效自评表 → records (stub)."""

from __future__ import annotations

import re

from ingest.errors import MissingSection
from ingest.families.family import Family, Pages, Reading
from ingest.records import DocType


def read(pages: Pages) -> Reading:
    raise MissingSection("not read yet")


FAMILY = Family(
    doc_type=DocType.PROJECT_SELF_EVALUATION_TABLE,
    name_zh="项目支出绩效自评表",
    title=re.compile(r"项目支出绩效自评表"),
    read=read,
    sections=(),
)

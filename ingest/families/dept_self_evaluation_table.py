"""部门整体支出绩效自评表 → records: the department's whole-spending self-evaluation as a table
(ingest/families/self_evaluation_table.py reads it, as it reads the project's)."""

from __future__ import annotations

import re

from ingest.errors import MissingSection
from ingest.families import self_evaluation_table as table
from ingest.families.family import Family, Pages, Reading
from ingest.records import DocType


def read(pages: Pages) -> Reading:
    content = table.read_table(pages.rows, pages.first_page)
    department = content.names.get("department") or content.names.get("supervising_unit")
    if not department:
        raise MissingSection("no 部门（单位）名称 row in the table")
    return table.reading(content, department, project=None, first_page=pages.first_page)


FAMILY = Family(
    doc_type=DocType.DEPT_SELF_EVALUATION_TABLE,
    name_zh="部门整体支出绩效自评表",
    # 部门整体支出绩效自评表, 单位整体支出绩效自评表, 机关整体绩效自评表, 部门整体支出绩效自我评价表.
    title=re.compile(r"(?:部门|单位|机关)?整体(?:支出)?(?:预算)?绩效自(?:评|我评价)(?:情况)?表"),
    read=read,
    sections=table.SECTIONS,
    complete=table.complete,
)

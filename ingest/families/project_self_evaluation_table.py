"""项目支出绩效自评表 → records: one project's self-evaluation as a table, under its 主管部门
(ingest/families/self_evaluation_table.py reads it, as it reads the department's)."""

from __future__ import annotations

import re

from ingest.errors import MissingSection
from ingest.families import self_evaluation_table as table
from ingest.families.family import Family, Pages, Reading
from ingest.records import DocType


def read(pages: Pages) -> Reading:
    content = table.read_table(pages.rows, pages.first_page)
    project = content.names.get("project")
    if not project:
        raise MissingSection("no 项目名称 row in the table")
    # The department answerable for the project; a table without 主管部门 names its unit only.
    department = content.names.get("supervising_unit") or content.names.get("implementing_unit")
    if not department:
        raise MissingSection(f"the table of {project} names neither 主管部门 nor 实施单位")
    return table.reading(content, department, project=project, first_page=pages.first_page)


FAMILY = Family(
    doc_type=DocType.PROJECT_SELF_EVALUATION_TABLE,
    name_zh="项目支出绩效自评表",
    title=re.compile(r"项目(?:支出)?绩效自(?:评|我评价)(?:情况)?表"),
    read=read,
    sections=table.SECTIONS,
    complete=table.complete,
)

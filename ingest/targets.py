"""Every target a document states, parsed into structure: form indicators (实施周期 and 年度),
measurable statements in key tasks' goals, and project indicators."""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.measures import TargetPart, goal_statements, parse_target, to_base
from ingest.records import ParsedDocument, TargetRecord

# 落户以来完成累计固定资产投资（亿元） with target '≥ 150': the unit is in the indicator's name.
_UNIT_IN_NAME = re.compile(r"[（(](亿元|万元|元|%|家|个|人|项|件|场|次|万人|人次)[）)]\s*$")


def _with_unit_from(name: str, part: TargetPart) -> TargetPart:
    found = _UNIT_IN_NAME.search(name)
    if part.unit or part.value is None or not found:
        return part
    base_value, base_unit = to_base(part.value, found.group(1))
    return replace(part, unit=found.group(1), base_value=base_value, base_unit=base_unit)


def _record(
    part: TargetPart, *, source: str, line: int, period: str, name: str, raw: str, page: int, row: int
) -> TargetRecord:
    part = _with_unit_from(name, part)
    return TargetRecord(
        source=source,
        source_line=line,
        period=period,
        wording=part.subject or name,
        part_number=part.part_number,
        kind=part.kind,
        comparator=part.comparator,
        value=part.value,
        value_high=part.value_high,
        unit=part.unit,
        base_value=part.base_value,
        base_unit=part.base_unit,
        part_text=part.text,
        raw_text=raw,
        page=page,
        row=row,
    )


def targets_of(document: ParsedDocument) -> list[TargetRecord]:
    found: list[TargetRecord] = []
    for line, indicator in enumerate(document.indicators, start=1):
        for period, raw in (("implementation", indicator.period_target), ("annual", indicator.annual_target)):
            if raw is None:
                continue  # a form with one 指标值 column states no implementation-period target
            found.extend(
                _record(
                    part,
                    source="form_indicator",
                    line=line,
                    period=period,
                    name=indicator.name,
                    raw=raw,
                    page=indicator.page,
                    row=indicator.row,
                )
                for part in parse_target(raw)
            )
    for line, task in enumerate(document.key_tasks, start=1):
        found.extend(
            _record(
                part,
                source="key_task",
                line=line,
                period="annual",
                name=task.name,
                raw=task.goal,
                page=task.pages[0],
                row=task.row,
            )
            for part in goal_statements(task.goal)
        )
    for line, project in enumerate(document.projects, start=1):
        for item in project.indicators:
            found.extend(
                _record(
                    part,
                    source="project_indicator",
                    line=line,
                    period="annual",
                    name=item.name,
                    raw=item.annual_target,
                    page=project.pages[0],
                    row=project.row,
                )
                for part in parse_target(item.annual_target)
            )
    return found

"""Every target a document states, parsed into structure: form indicators (实施周期 and 年度),
measurable statements in key tasks' goals, and project indicators."""

from __future__ import annotations

from ingest.records import ParsedDocument, TargetRecord
from ingest.targets import TargetPart, goal_statements, parse_target


def _record(
    part: TargetPart, *, source: str, line: int, period: str, name: str, raw: str, page: int, row: int
) -> TargetRecord:
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
        for indicator in project.indicators:
            found.extend(
                _record(
                    part,
                    source="project_indicator",
                    line=line,
                    period="annual",
                    name=indicator.name,
                    raw=indicator.annual_target,
                    page=project.pages[0],
                    row=project.row,
                )
                for part in parse_target(indicator.annual_target)
            )
    return found

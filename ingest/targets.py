"""Every target a document states, parsed into structure: form indicators (实施周期 and 年度),
measurable statements in key tasks' goals, and project indicators."""

from __future__ import annotations

import re
from dataclasses import replace

from ingest.measures import TargetPart, goal_statements, normalise_target, parse_target, to_base
from ingest.records import EvaluatedIndicator, ParsedDocument, TargetRecord

# 落户以来完成累计固定资产投资（亿元） with target '≥ 150': the unit is in the indicator's name.
_UNIT_IN_NAME = re.compile(r"[（(](亿元|万元|元|%|家|个|人|项|件|场|次|万人|人次)[）)]\s*$")


# A 指标性质 column that states a comparison (≥ = ≤; 正向/反向 say nothing measurable).
_NATURE = re.compile(r"^[≥≤<>=＞＜＝≧≦⩾⩽]$|^>=$|^<=$")
_STARTS_WITH_NUMBER = re.compile(r"^\d")
_ENDS_WITH_NUMBER = re.compile(r"\d$")


def evaluated_target(indicator: EvaluatedIndicator) -> str:
    """A self-evaluation table's target with its 指标性质 and 计量单位 columns joined in:
    ≥ | 4000 | 家 reads as ≥4000家; a target that prints its own comparison or unit keeps it."""
    target = indicator.target.strip()
    nature = (indicator.target_nature or "").strip()
    unit = (indicator.target_unit or "").strip()
    if nature and _NATURE.match(normalise_target(nature)) and _STARTS_WITH_NUMBER.match(target):
        target = nature + target
    if unit and _ENDS_WITH_NUMBER.search(target):
        target = target + unit
    return target


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
    for line, evaluated in enumerate(document.evaluated_indicators, start=1):
        raw = evaluated_target(evaluated)
        found.extend(
            _record(
                part,
                source="evaluation_indicator",
                line=line,
                period="annual",
                name=evaluated.name,
                raw=raw,
                page=evaluated.page,
                row=evaluated.row,
            )
            for part in parse_target(raw)
        )
    return found

"""The `jixiao parse --json` contract: the truth files' shape (tests/fixtures/truth/), plus lineage fields.

Stable on purpose: analysts and tests diff it. Amounts are JSON numbers with the digits as printed
(simplejson writes Decimal without passing through float).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import simplejson

from ingest.records import BudgetLine, DocType, Fact, Indicator, KeyTask, ParsedDocument, Project


def _budget_line(line: BudgetLine) -> dict[str, Any]:
    return {
        "label": line.label,
        "amount_wan_yuan": line.amount_wan_yuan,
        "section": line.section,
        "page": line.page,
        "row": line.row,
    }


def _key_task(task: KeyTask) -> dict[str, Any]:
    return {
        "name": task.name,
        "funds_wan_yuan": task.funds_wan_yuan,
        "content": task.content,
        "goal": task.goal,
        "page": task.pages[0],
        "pages": list(task.pages),
        "row": task.row,
    }


def _indicator(indicator: Indicator) -> dict[str, Any]:
    return dataclasses.asdict(indicator)


def _project(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "unit": project.unit,
        "total": project.total,
        "fiscal": project.fiscal,
        "special_account": project.special_account,
        "other": project.other,
        "goal": project.goal,
        "indicators": [dataclasses.asdict(indicator) for indicator in project.indicators],
        "page": project.pages[0],
        "pages": list(project.pages),
        "row": project.row,
    }


def _fact(fact: Fact) -> dict[str, Any]:
    return {
        "label": fact.label,
        "value": fact.value,
        "unit": fact.unit,
        "qualifier": fact.qualifier,
        "text": fact.text,
        "page": fact.page,
        "row": fact.row,
    }


def to_contract(document: ParsedDocument) -> dict[str, Any]:
    header = document.header
    out: dict[str, Any] = {
        "department": header.department,
        "year": header.year,
        "doc_type": header.doc_type.value,
        "year_source": header.year_source.value,
        "department_code": header.department_code,
        "sha256": header.sha256,
        "source_path": header.source_path,
        "page_count": header.page_count,
        "ocr": header.ocr,
    }
    if header.doc_type is DocType.DEPT_TARGET_FORM:
        out["overall_goal"] = document.overall_goal
        out["other_tasks"] = document.other_tasks
    if "evaluation" in document.sections:
        out["subject"] = header.subject
    render: dict[str, Callable[[], object]] = {
        "budget_lines": lambda: [_budget_line(line) for line in document.budget_lines],
        "key_tasks": lambda: [_key_task(task) for task in document.key_tasks],
        "indicators": lambda: [_indicator(indicator) for indicator in document.indicators],
        "projects": lambda: [_project(project) for project in document.projects],
        "scores": lambda: [dataclasses.asdict(score) for score in document.scores],
        "facts": lambda: [_fact(fact) for fact in document.facts],
        "unread_statements": lambda: [dataclasses.asdict(item) for item in document.unread_statements],
        # One summary per table: an object, not a list.
        "evaluation": lambda: dataclasses.asdict(document.evaluation[0]),
        "execution_lines": lambda: [dataclasses.asdict(line) for line in document.execution_lines],
        "evaluated_indicators": lambda: [dataclasses.asdict(item) for item in document.evaluated_indicators],
    }
    for section in document.sections:
        out[section] = render[section]()
    return out


def to_json(document: ParsedDocument) -> str:
    return simplejson.dumps(to_contract(document), ensure_ascii=False, indent=2, use_decimal=True)

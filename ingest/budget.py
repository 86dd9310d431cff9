"""The budget's lines and the identities between them: the dbt project's seeds `budget_lines.csv`
(which printed label is which line) and `budget_identities.csv` (which lines add up to which).

The same two files name the budget lines and give reconciliation checks 1, 2, 3 and 4a their sides
in dbt (int_budget_lines_named, int_budget_identities); here they name the project table's amount
columns (`projects.py`) and give a scanned document the identities it must prove (`proof.py`), so a
spelling or an identity is declared once, for the warehouse and the parser alike.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from ingest.pdf.text import squash
from ingest.records import BudgetLine, Project
from ingest.wordings import SEEDS

UNIT_TOTAL_SECTION = "单位合计"  # the project table's unit total row: its lines are the table's columns


@dataclass(frozen=True)
class Line:
    code: str  # basic_expenditure …; a 单位合计 line is named after the project records' field (total …)
    section: str  # the block that prints it: 预算整体情况 or 单位合计
    label: str  # as printed, whitespace removed
    suffix: bool  # a label ending with `label` is this line too (市本级使用资金, 区本级使用资金)

    def names(self, line: BudgetLine) -> bool:
        printed = squash(line.label)
        return line.section == self.section and (
            printed == self.label or (self.suffix and printed.endswith(self.label))
        )


@dataclass(frozen=True)
class Identity:
    code: str
    check_id: str  # the reconciliation check that compares its sides
    observed: tuple[Line, ...]
    expected: tuple[Line, ...]

    @property
    def observed_label(self) -> str:
        return "+".join(line.label for line in self.observed)

    @property
    def expected_label(self) -> str:
        return "+".join(line.label for line in self.expected)

    def sides(self, amounts: Mapping[str, Decimal]) -> tuple[Decimal | None, Decimal | None]:
        """Each side's lines added, from the amounts by line code; None for a side none of whose
        lines is among them (the document does not print it), as in int_budget_identities."""
        return _added(self.observed, amounts), _added(self.expected, amounts)


def _added(lines: Iterable[Line], amounts: Mapping[str, Decimal]) -> Decimal | None:
    found = [amounts[line.code] for line in lines if line.code in amounts]
    return sum(found, Decimal(0)) if found else None


@cache
def budget_lines() -> tuple[Line, ...]:
    with (SEEDS / "budget_lines.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(
            Line(row["line_code"], row["section"], row["label"], row["label_match"] == "suffix")
            for row in csv.DictReader(handle)
        )


@cache
def identities() -> dict[str, Identity]:
    lines = {line.code: line for line in budget_lines()}
    with (SEEDS / "budget_identities.csv").open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda row: int(row["term_number"]))
    found = {}
    for code in dict.fromkeys(row["identity_code"] for row in rows):
        terms = [row for row in rows if row["identity_code"] == code]
        found[code] = Identity(
            code,
            terms[0]["check_id"],
            observed=tuple(lines[row["line_code"]] for row in terms if row["side"] == "observed"),
            expected=tuple(lines[row["line_code"]] for row in terms if row["side"] == "expected"),
        )
    return found


def identity(code: str) -> Identity:
    return identities()[code]


def lines_in(section: str) -> tuple[Line, ...]:
    """The lines of one block, in the seed's order."""
    return tuple(line for line in budget_lines() if line.section == section)


def line_of(line: BudgetLine) -> Line | None:
    """The seed's line a printed budget line is, if any."""
    return next((named for named in budget_lines() if named.names(line)), None)


def line_amounts(lines: Iterable[BudgetLine]) -> dict[str, Decimal]:
    """The printed amounts by line code: a line printed blank, or under a label no seed row names,
    is left out; two printings of one line are added (as int_budget_identities adds them)."""
    amounts: dict[str, Decimal] = {}
    for line in lines:
        named = line_of(line)
        if named is not None and line.amount_wan_yuan is not None:
            amounts[named.code] = amounts.get(named.code, Decimal(0)) + line.amount_wan_yuan
    return amounts


def project_amounts(project: Project) -> dict[str, Decimal]:
    """A project row's printed amounts by line code: its columns are the 单位合计 row's lines."""
    amounts = {line.code: getattr(project, line.code) for line in lines_in(UNIT_TOTAL_SECTION)}
    return {code: amount for code, amount in amounts.items() if amount is not None}

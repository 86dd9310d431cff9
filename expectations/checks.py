"""Every reconciliation check: where it runs, how bad a failure is, and what it compares.

The checks are one catalogue, the dbt seed `dbt_project/seeds/reconciliation_checks.csv`: one row
per check (its id, number, stage, severity, labels and description). The dbt models
`audit_document_checks` and `audit_cross_document_checks` compute one row per check and subject
(observed, expected, difference, tolerance); the suites built from this catalogue judge those rows,
the findings' messages name the check by its number and label, and the README's table of checks is
the catalogue rendered (tests/expectations/test_checks.py holds them equal).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Stage = Literal["documents", "warehouse"]
Severity = Literal["error", "warning"]

SUITE_NAMES: dict[Stage, str] = {"documents": "document_checks", "warehouse": "warehouse_checks"}
ROW_ID = "check_row_id"  # the column failures are reported by
CATALOGUE = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "reconciliation_checks.csv"

_STAGES: dict[str, Stage] = {"documents": "documents", "warehouse": "warehouse"}
_SEVERITIES: dict[str, Severity] = {"error": "error", "warning": "warning"}


@dataclass(frozen=True)
class Check:
    check_id: str
    number: str  # 1, 4a …: the check's number in the catalogue and the README's table
    stage: Stage
    severity: Severity
    label: str  # the Chinese terms the documents use, so readers can find them in the PDF
    label_en: str = ""  # a short English name
    description: str = ""  # what must hold, as the README's table says it


def load_checks(path: Path = CATALOGUE) -> tuple[Check, ...]:
    """The catalogue's checks, in its order (the README's)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    checks = []
    for row in rows:
        if row["stage"] not in _STAGES or row["severity"] not in _SEVERITIES:
            raise ValueError(f"{path.name}: {row['check_id']}: unknown stage or severity in {row}")
        checks.append(
            Check(
                check_id=row["check_id"],
                number=row["check_number"],
                stage=_STAGES[row["stage"]],
                severity=_SEVERITIES[row["severity"]],
                label=row["label_zh"],
                label_en=row["label_en"],
                description=row["description"],
            )
        )
    return tuple(checks)


CHECKS: tuple[Check, ...] = load_checks()

BY_ID = {check.check_id: check for check in CHECKS}


def checks_of(stage: Stage) -> tuple[Check, ...]:
    return tuple(check for check in CHECKS if check.stage == stage)

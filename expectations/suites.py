"""The two expectation suites, built from `checks.CHECKS`.

Each check is one expectation over the rows of that check that are applicable: the tolerance is
at least the absolute difference. Both arrive as exact integers, in ten-thousandths of the unit
(`jixiao.stages.check.results.read_check_rows`: every amount is DECIMAL(38, 4)), so GE's comparison
is exact and its results hold no Decimal (GE inspects the call stack for each one it stores). Two
more expectations keep dbt and this file in step: every row is of a known check, and row ids are
unique (reconciliation maps failures back to rows by id).
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.metadata_types import FailureSeverity
from great_expectations.expectations.row_conditions import Column

from expectations.checks import ROW_ID, SUITE_NAMES, Check, Stage, checks_of

SEVERITY = {"error": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}


def check_expectation(check: Check) -> gxe.Expectation:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="tolerance_units",
        column_B="abs_difference_units",
        or_equal=True,
        row_condition=(Column("check_id") == check.check_id) & (Column("applicable") == True),  # noqa: E712
        severity=SEVERITY[check.severity],
        description=f"{check.number}. {check.label}",
        meta={"check_id": check.check_id, "severity": check.severity},
    )


def build_suite(stage: Stage) -> gx.ExpectationSuite:
    checks = checks_of(stage)
    expectations: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeInSet(
            column="check_id",
            value_set=[check.check_id for check in checks],
            description="every row belongs to a check this suite knows",
        ),
        gxe.ExpectColumnValuesToBeUnique(column=ROW_ID),
        gxe.ExpectColumnValuesToNotBeNull(
            column="abs_difference_units",
            row_condition=Column("applicable") == True,  # noqa: E712
            description="an applicable check has both sides",
        ),
        *(check_expectation(check) for check in checks),
    ]
    # Given whole, not added one by one: GE saves the whole suite to its store at each
    # `add_expectation` once a suite of that name is stored (every night after the first).
    return gx.ExpectationSuite(name=SUITE_NAMES[stage], expectations=expectations)

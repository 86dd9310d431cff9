"""The budget lines and identities of the seeds as the parser reads them, and the proof a scan of a
form or a project table must pass with them (checks 1, 2, 4a and 4b)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.budget import budget_lines, identity, line_amounts, line_of, project_amounts
from ingest.errors import UnreadableScan
from ingest.families import dept_target_form as forms
from ingest.families import project_target_table as projects
from ingest.proof import _prove_form, _prove_project_table, rounding_tolerance
from ingest.records import BudgetLine, Project

PATH = Path("2023/scan.pdf")


def _form(**amounts: str) -> list[BudgetLine]:
    return [
        BudgetLine(forms.BUDGET, label, Decimal(text), text, 1, row)
        for row, (label, text) in enumerate(amounts.items())
    ]


def _project(total: str | None, fiscal: str | None, other: str | None = None) -> Project:
    figures = (None if text is None else Decimal(text) for text in (total, fiscal, None, other))
    return Project("项目", None, *figures, "", (), (2,), 5)


def test_the_seeds_name_the_parsers_blocks_and_the_project_records_columns() -> None:
    assert {line.section for line in budget_lines()} == {forms.BUDGET, projects.UNIT_TOTAL_SECTION}
    amount_fields = [
        field.name for field in dataclasses.fields(Project) if field.name in projects.AMOUNT_FIELDS
    ]
    assert list(projects.AMOUNT_FIELDS) == amount_fields == ["total", "fiscal", "special_account", "other"]
    assert projects.AMOUNT_LABELS == {
        "total": "总计",
        "fiscal": "财政拨款",
        "special_account": "财政专户拨款",
        "other": "其他资金",
    }


def test_a_printed_label_is_named_by_its_block_whitespace_and_ending_aside() -> None:
    def code(section: str, label: str) -> str | None:
        named = line_of(BudgetLine(section, label, Decimal(1), "1", 1, 1))
        return None if named is None else named.code

    assert code(forms.BUDGET, "基 本 支 出") == "basic_expenditure"
    assert code(forms.BUDGET, "市本级使用资金") == code(forms.BUDGET, "区本级使用资金") == "own_level_funds"
    assert code(forms.BUDGET, "财政拨款") == "fiscal_appropriation"
    assert code(projects.UNIT_TOTAL_SECTION, "财政拨款") == "fiscal"
    assert code(forms.BUDGET, "合计") is None


def test_an_identity_adds_what_is_printed_and_a_side_with_nothing_printed_is_none() -> None:
    amounts = line_amounts(_form(基本支出="10.00", 项目支出="5.00", 财政拨款="15.00"))
    amounts |= line_amounts([BudgetLine(forms.BUDGET, "其他资金", None, "", 1, 9)])  # a blank adds nothing
    budget = identity("budget_identity")
    assert budget.sides(amounts) == (Decimal("15.00"), Decimal("15.00"))
    assert identity("level_split").sides(amounts) == (None, Decimal("15.00"))
    assert (budget.observed_label, budget.expected_label) == (
        "基本支出+项目支出+财政专项资金+其他事业发展性支出",
        "财政拨款+其他资金",
    )
    assert project_amounts(_project(None, "3.00", "0.00")) == {
        "fiscal": Decimal("3.00"),
        "other": Decimal("0.00"),
    }


@pytest.mark.parametrize(
    ("amounts", "refused"),
    [
        ({"基本支出": "10.00", "项目支出": "5.00", "财政专项资金": "3.00", "财政拨款": "18.00"}, None),
        # 肇庆's template: 财政专项资金 and 其他事业发展性支出 are the parts of 项目支出.
        (
            {
                "基本支出": "10.00",
                "项目支出": "5.00",
                "财政专项资金": "3.00",
                "其他事业发展性支出": "2.00",
                "财政拨款": "15.00",
            },
            None,
        ),
        ({"基本支出": "10.00", "项目支出": "5.00", "财政专项资金": "3.00", "财政拨款": "15.00"}, "check 1"),
        # 本级 + 对下 split the whole budget (a district) or its 财政专项资金 (the city).
        (
            {
                "基本支出": "10.00",
                "项目支出": "8.00",
                "财政拨款": "18.00",
                "区本级使用资金": "12.00",
                "拟用于对下转移支付资金": "6.00",
            },
            None,
        ),
        (
            {
                "基本支出": "10.00",
                "项目支出": "5.00",
                "财政专项资金": "3.00",
                "财政拨款": "18.00",
                "市本级使用资金": "1.00",
                "拟用于对下转移支付资金": "2.00",
            },
            None,
        ),
        (
            {
                "基本支出": "10.00",
                "项目支出": "8.00",
                "财政拨款": "18.00",
                "区本级使用资金": "12.00",
                "拟用于对下转移支付资金": "5.00",
            },
            "check 2",
        ),
    ],
    ids=["adds up", "parts of 项目支出", "short", "district split", "city split", "split short"],
)
def test_a_scanned_form_must_prove_checks_1_and_2(amounts: dict[str, str], refused: str | None) -> None:
    if refused is None:
        _prove_form(_form(**amounts), PATH)
    else:
        with pytest.raises(UnreadableScan, match=refused):
            _prove_form(_form(**amounts), PATH)


def test_a_scanned_project_table_must_prove_its_rows_and_their_total_within_check_4b() -> None:
    rows = [_project("10.00", "10.00"), _project("6.00", "5.00", "1.00"), _project("20.01", "20.01")]
    unit = [BudgetLine(projects.UNIT_TOTAL_SECTION, "财政拨款", Decimal("35.00"), "35.00", 1, 1)]
    _prove_project_table(unit, rows, PATH)  # 35.01 against 35.00: three rows and the total, 0.02
    assert rounding_tolerance(26) == Decimal("0.135")  # the samples' project table (README, check 4b)
    with pytest.raises(
        UnreadableScan, match=r"row 5 .*总计 = 20.01 does not equal 财政拨款\+财政专户拨款\+其他资金 = 20.02"
    ):
        _prove_project_table(unit, [*rows[:2], _project("20.01", "20.02")], PATH)
    with pytest.raises(UnreadableScan, match="单位合计 财政拨款"):
        _prove_project_table(unit, [*rows, _project("0.03", "0.03")], PATH)

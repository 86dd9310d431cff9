"""The check catalogue (dbt_project/seeds/reconciliation_checks.csv) as the suites and the README see it."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.checks import BY_ID, CHECKS, Check, checks_of, load_checks
from tests.conftest import PROJECT_ROOT

HEADER = "| # | check (`check_id`) | stage | severity |"


def markdown_table(checks: tuple[Check, ...]) -> str:
    """The catalogue as the README's table of checks."""
    rows = [
        f"| {check.number} | {check.label_en}: {check.description} (`{check.check_id}`) "
        f"| {check.stage} | {check.severity} |"
        for check in checks
    ]
    return "\n".join([HEADER, "| --- | --- | --- | --- |", *rows])


def readme_table(readme: str) -> str:
    """The table of checks as the README prints it: the lines from its header to the first that is
    not a row."""
    lines = readme.splitlines()
    start = lines.index(HEADER)
    end = next((index for index in range(start, len(lines)) if not lines[index].startswith("|")), len(lines))
    return "\n".join(lines[start:end])


def test_the_readme_table_is_the_catalogue() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    expected = markdown_table(CHECKS)
    assert readme_table(readme) == expected, f"README.md's table of checks should read:\n\n{expected}\n"


def test_a_table_that_differs_from_the_catalogue_is_seen() -> None:
    table = markdown_table(CHECKS)
    changed = table.replace("| error |", "| warning |", 1)
    assert readme_table(f"# Reconciliation\n\n{changed}\n\nMore prose.\n") == changed != table


def test_the_catalogue_numbers_each_check_once_in_stage_order() -> None:
    assert len(BY_ID) == len(CHECKS) == len({check.number for check in CHECKS})
    assert checks_of("documents") + checks_of("warehouse") == CHECKS
    for check in CHECKS:
        assert all("|" not in text and text for text in (check.label, check.label_en, check.description))


def test_an_unknown_severity_is_refused(tmp_path: Path) -> None:
    catalogue = tmp_path / "reconciliation_checks.csv"
    catalogue.write_text(
        "check_id,check_number,stage,severity,label_zh,label_en,description\n"
        "budget_identity,1,documents,fatal,预算恒等式,budget identity,adds up\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="budget_identity: unknown stage or severity"):
        load_checks(catalogue)

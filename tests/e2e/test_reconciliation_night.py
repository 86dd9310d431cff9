"""The acceptance test of the reconciliation gate, through the nightly DAGs (`jixiao run`).

Night one lands the samples. Before night two the office re-publishes Huangpu's 2023 form with
基本支出 changed (its .xlsx re-printed by LibreOffice), so the budget identity no longer holds: the
run must end failed, name the document, the check and both sides, keep the new version out of the
marts (the accepted version serves: the marts equal night one's) and publish the rest.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import bin_path, copy_samples, jixiao_env
from tests.relayout import build_xlsx, set_cells, soffice, to_pdf

pytestmark = [
    pytest.mark.night,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice is needed to re-print the form"),
]

FORM = "2023/huangpu_2023_dept_target_form.pdf"


def marts(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute("select * from marts.mart_budget_overview order by all").fetchall()


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("gate_e2e")
    landing = copy_samples(root / "landing")
    env = jixiao_env(root)
    command = [bin_path("jixiao"), "run", "--quiet"]
    first = subprocess.run(command, env=env, capture_output=True, text=True)
    before = marts(root / "warehouse.duckdb")

    # 2,341.13 → 2,441.13: the form's sides now differ by 100.00.
    workbook = build_xlsx(
        "huangpu_2023_dept_target_form.xlsx", [set_cells({"D4": 2441.13})], root / "xlsx" / "form.xlsx"
    )
    (altered,) = to_pdf([workbook], root / "pdf")
    (landing / FORM).write_bytes(altered.read_bytes())
    second = subprocess.run(command, env=env, capture_output=True, text=True)
    return {
        "first": first,
        "second": second,
        "before": before,
        "after": marts(root / "warehouse.duckdb"),
        "warehouse": root / "warehouse.duckdb",
    }


def test_the_first_night_passes_every_error_check(nights: dict[str, object]) -> None:
    first = nights["first"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]  # type: ignore[attr-defined]


def test_the_run_with_a_sum_that_does_not_add_up_ends_failed_naming_document_check_and_sides(
    nights: dict[str, object],
) -> None:
    second = nights["second"]
    output = second.stdout + second.stderr  # type: ignore[attr-defined]
    assert second.returncode != 0  # type: ignore[attr-defined]
    failure = next(line for line in output.splitlines() if "budget_identity" in line and FORM in line)
    assert "364,707.2" in failure and "364,607.2" in failure
    assert "1 new, 3 unchanged, 1 superseded" in second.stdout  # type: ignore[attr-defined]
    assert "1 failed" in second.stdout and "the rest was published" in second.stdout  # type: ignore[attr-defined]


def test_the_rejected_version_stays_out_and_the_accepted_one_serves(nights: dict[str, object]) -> None:
    assert nights["after"] == nights["before"]
    with duckdb.connect(str(nights["warehouse"]), read_only=True) as connection:
        versions = connection.execute(
            "select document_status, count(*) from staging.stg_raw__documents"
            " where source_path = ? group by all order by all",
            [FORM],
        ).fetchall()
        failed = connection.execute(
            "select check_id, observed, expected from reconciliation.results where outcome = 'failed'"
        ).fetchall()
    assert versions == [("current", 1), ("superseded", 1)]  # both landed, the old one serves
    assert [(check, str(observed), str(expected)) for check, observed, expected in failed] == [
        ("budget_identity", "364707.2000", "364607.2000")
    ]

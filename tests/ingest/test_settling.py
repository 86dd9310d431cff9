"""Unproven amounts settled by a document's identities (`ingest/settling.py`), on real documents:
the printed PDF read as the reader reads it, one amount cell made what an unproven scan's cell
holds (UNPROVEN and its readings), then parsed and proven as a scan is (`proven_records`)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.document import parse_document, proven_records, records_of
from ingest.errors import UnreadableScan
from ingest.families.registry import identify
from ingest.pdf.reader import first_page_text, open_pdf, read_pdf
from ingest.records import ParsedDocument
from ingest.scan import UNPROVEN
from ingest.settling import readings_of
from tests.conftest import SAMPLE_FILES

FAMILY = Path(__file__).resolve().parents[1] / "fixtures" / "family"
INCUBATORS = FAMILY / "self_evaluation_tables" / "huangpu_2023_project_self_evaluation_table_incubators.pdf"
FORM = SAMPLE_FILES["huangpu_2023_dept_target_form"]


def _as_scanned(path: Path, read: dict[tuple[str, str], str]) -> ParsedDocument:
    """`path` as a scan whose cells were read as `read` says: (a label in the cell's row, the
    cell as printed) → the cell as read; parsed and proven as a scan is."""
    with open_pdf(path) as pdf:
        first_page = first_page_text(pdf, path)
        family, title = identify(first_page, path)
        content = read_pdf(pdf, first_page=first_page, texts=family.reads_text)
    rows = list(content.rows)
    for (label, printed), cell in read.items():
        (index,) = [i for i, row in enumerate(rows) if label in row.cells and printed in row.cells]
        cells = list(rows[index].cells)
        cells[cells.index(printed)] = cell
        rows[index] = dataclasses.replace(rows[index], cells=tuple(cells))
    scanned = dataclasses.replace(content, rows=rows, scanned=frozenset({1}))
    return proven_records(
        path, scanned, lambda rows: records_of(path, family, title, first_page, rows, 2023, None, None)
    )


FISCAL = ("其中：当年财政拨款", "3,600.00")  # 当年财政拨款's 年初预算数 on the incubators table


def test_the_reading_an_identity_holds_is_the_amount() -> None:
    """The incubators table's 当年财政拨款 年初预算数 as a colour JPEG's ring left it: the
    recogniser read its last 0 as C, Tesseract read 3,600.60. 其中 adds up to 年度资金总额 only with
    3,600.00, and the document lands as printed."""
    settled = _as_scanned(INCUBATORS, {FISCAL: f"{UNPROVEN}3,600.C0/3,600.00/3,600.60"})
    printed = parse_document(INCUBATORS, year=2023)
    assert settled.execution_lines == printed.execution_lines
    assert settled.execution_lines[1].initial_budget == Decimal("3600.00")


def test_an_unproven_mark_in_a_text_cell_offers_nothing_to_choose() -> None:
    """A name's figure left unproven (a name lands as read) does not keep the amount from being
    settled: no reading of its cell is an amount."""
    name = "科技企业孵化器和众创空间扶持资金"
    settled = _as_scanned(
        INCUBATORS,
        {FISCAL: f"{UNPROVEN}3,600.C0/3,600.00/3,600.60", ("项目名称", name): f"{UNPROVEN}{name}"},
    )
    assert settled.execution_lines[1].initial_budget == Decimal("3600.00")


def test_no_reading_the_identities_hold_is_refused() -> None:
    with pytest.raises(UnreadableScan, match=r"当年财政拨款 年初预算数 not an amount: '⁇3,600.C0/3,600.60'"):
        _as_scanned(INCUBATORS, {FISCAL: f"{UNPROVEN}3,600.C0/3,600.60"})


def test_an_amount_no_identity_holds_is_not_settled() -> None:
    """A key task's 拟投入的资金 adds up to nothing the form prints: read one way only, it still
    stands on one reading, and the form is refused naming it."""
    with pytest.raises(UnreadableScan, match="拟投入的资金"):
        _as_scanned(FORM, {("任务3：做优做强科技人才队伍", "30,404.00"): f"{UNPROVEN}30,4O4.00/30,404.00"})


def test_two_readings_between_which_the_identities_cannot_choose_are_refused() -> None:
    """The form's 财政专项资金 (0.00) and 其他事业发展性支出 (48,000.00) are added together in its
    budget identity: read each as the other's amount, both choices add up, and neither lands."""
    swapped = f"{UNPROVEN}0.00/48,000.00"
    with pytest.raises(UnreadableScan, match="财政专项资金"):
        _as_scanned(FORM, {("财政专项资金", "0.00"): swapped, ("其他事业发展性支出", "48,000.00"): swapped})


@pytest.mark.parametrize(
    ("cell", "readings"),
    [
        (f"{UNPROVEN}3,600.C0/3,600.00/3,600.60", ["3,600.00", "3,600.60"]),
        (f"{UNPROVEN}43.000.00/42,000.00/438,0", ["43,000.00", "42,000.00"]),
        (f"{UNPROVEN}1,150.08/1,150.0/1150.00", ["1,150.08", "1,150.00"]),
        # five decimals: an amount no parser takes
        (f"{UNPROVEN}2.34113/2734513//2,341.13", ["2734513", "2,341.13"]),
        ("3,600.00", None),
        (f"研发投入强度达{UNPROVEN}6.65%", None),
    ],
)
def test_an_unproven_cell_offers_each_amount_it_was_read_as_once(
    cell: str, readings: list[str] | None
) -> None:
    assert readings_of(cell) == readings

"""Which amount the readings of a number cell agree on (`ingest.scan.page.agreed_amount`), on cells
cut from real scans: the print `cell_print` gave the readers, and PP-OCR's reading of it."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from ingest.scan.page import READING_HEIGHTS, agreed_amount
from ingest.scan.tesseract import missing_models

SCAN_LINES = Path(__file__).resolve().parents[1] / "fixtures" / "scan_lines"

pytestmark = pytest.mark.skipif(bool(missing_models()), reason="needs Tesseract's models")


@pytest.mark.parametrize(
    ("cell", "figure"),
    [
        ("score_11_fax_g4_300.png", "11"),  # 南山's 绩效管理 score
        ("score_3_5_fax_g4_300.png", "3.5"),  # 南沙's 预算执行 score
    ],
)
def test_a_reading_of_nothing_is_no_vote_against_the_amount(cell: str, figure: str) -> None:
    """Small serif scores on a 1-bit fax page: the first three readings did not agree, and of the
    four rereadings two read nothing and two the amount, none another amount. A reading of nothing
    says nothing of the amount, so it does not outvote the rereadings that agree with PP-OCR."""
    crop = cv2.imread(str(SCAN_LINES / cell), cv2.IMREAD_GRAYSCALE)
    amount, readings = agreed_amount(crop, 300, figure)
    rereadings = readings[len(READING_HEIGHTS) :]
    assert set(rereadings) == {"", figure}, readings  # the case at hand: nothing, or the amount
    assert amount == figure, readings


def test_an_amount_read_otherwise_as_often_still_outvotes() -> None:
    """东莞's 采购管理 score 7.5 on the same fax page: Tesseract reads the serif 5 as a 9 in most
    preparations. PP-OCR's 7.5 is right, but nothing proves it: the cell stays unproven."""
    crop = cv2.imread(str(SCAN_LINES / "score_7_5_fax_g4_300.png"), cv2.IMREAD_GRAYSCALE)
    amount, readings = agreed_amount(crop, 300, "7.5")
    assert readings.count("7.9") >= 2, readings
    assert amount is None, readings

"""The four samples scanned at 200 dpi and parsed by OCR. The 广州 form, the project table and (at
this seed) the self-evaluation land with every amount as printed; any other is refused with
UnreadableScan naming what it could not prove, or lands as exactly. Never a wrong amount or figure.
(README, "Scanned documents": at seed 2023 the 黄埔 form is refused.)"""

from __future__ import annotations

import pytest

from ingest.scan.tesseract import missing_models
from tests.truth_fields import ScanReading, sample_scans_fixture

pytestmark = [
    pytest.mark.scans,
    pytest.mark.skipif(bool(missing_models()), reason="Tesseract's models are not installed (see README)"),
]
readings = sample_scans_fixture(dpi=200)

# What lands at 200 dpi, seed 2023 (the fixture's): the 广州 form and the project table at every
# seed measured, the self-evaluation at this one.
LANDS = (
    "guangzhou_2023_dept_target_form",
    "guangzhou_2023_project_target_table",
    "huangpu_2022_self_evaluation",
)


def test_the_scans_that_read_at_200_dpi_land_with_every_amount_exact(
    readings: dict[str, ScanReading],
) -> None:
    assert {name: readings[name].refusal for name in LANDS if readings[name].refusal} == {}
    for name in LANDS:
        score = readings[name].score
        assert score.amounts_total > 0, name
        assert score.amounts_exact == score.amounts_total, (name, score.misses)


def test_each_scan_lands_exact_amounts_or_is_refused_naming_why(
    readings: dict[str, ScanReading],
) -> None:
    for name, reading in readings.items():
        if reading.refusal is None:
            assert reading.score.amounts_exact == reading.score.amounts_total, (name, reading.score.misses)
        else:
            kind, _, reason = reading.refusal.partition(": ")
            assert kind == "UnreadableScan" and reason.strip(), (name, reading.refusal)


def test_no_amount_or_figure_lands_wrong(readings: dict[str, ScanReading]) -> None:
    assert {name: reading.score.numbers_wrong for name, reading in readings.items()} == dict.fromkeys(
        readings, 0
    )

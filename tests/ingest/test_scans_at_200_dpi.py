"""The four samples scanned at 200 dpi and parsed by OCR: each lands with every amount as printed,
or is refused with UnreadableScan naming what it could not prove. Never a wrong amount or figure."""

from __future__ import annotations

import pytest

from ingest.scan.tesseract import missing_models
from tests.truth_fields import ScanReading, sample_scans_fixture

pytestmark = pytest.mark.skipif(
    bool(missing_models()), reason="Tesseract's models are not installed (see README)"
)
readings = sample_scans_fixture(dpi=200)


def test_each_scan_lands_exact_amounts_or_is_refused_naming_why(readings: dict[str, ScanReading]) -> None:
    for name, reading in readings.items():
        if reading.refusal is None:
            assert reading.score.amounts_exact == reading.score.amounts_total, (name, reading.score.misses)
        else:
            assert reading.refusal.startswith("UnreadableScan: "), (name, reading.refusal)


def test_no_amount_or_figure_lands_wrong(readings: dict[str, ScanReading]) -> None:
    assert {name: reading.score.numbers_wrong for name, reading in readings.items()} == dict.fromkeys(
        readings, 0
    )

"""The lines of print outside a scanned page's tables, found by PP-OCR's detector and read whole
(`ingest.scan.page._whole_lines`): strips cut from a real scan, and print of our own making."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.scan.page import _adds_no_figure, _whole_lines
from ingest.scan.ppocr import read_print

SCAN_LINES = Path(__file__).resolve().parents[1] / "fixtures" / "scan_lines"
NOTO_SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.parametrize(
    ("strip", "heading"),
    [
        ("heading_yi_stamped_300.png", "一、部门基本情况"),
        ("heading_er_stamped_300.png", "（二）部门预算及支出情况"),
    ],
)
def test_a_headings_number_left_outside_the_box_is_read(strip: str, heading: str) -> None:
    """东莞's report scanned stamped at 300 dpi: the detector's box of each heading began after its
    number, and the report's budget figures under （二） were taken for part of 一's overview."""
    image = cv2.imread(str(SCAN_LINES / strip), cv2.IMREAD_GRAYSCALE)
    found = read_print(image, 300)
    assert [line.text for line in found] == [heading[heading.index("部") :]]  # the case at hand
    assert [line.text for line in _whole_lines(image, found, 300)] == [heading]


@pytest.mark.skipif(not NOTO_SANS.exists(), reason="needs fonts-noto-cjk")
def test_runs_of_print_set_apart_stay_apart() -> None:
    """Two runs on one line, three ems apart (a signature line's unit and date): neither box takes
    in the other's print, and a run whose box holds all its print is not read again."""
    size = 50  # 12 pt at 300 dpi
    font = ImageFont.truetype(str(NOTO_SANS), size, index=2)
    strip = Image.new("L", (1400, 3 * size), 255)
    draw = ImageDraw.Draw(strip)
    draw.text((60, size), "单位：科技局", font=font, fill=0)
    draw.text((60 + font.getlength("单位：科技局") + 3 * size, size), "日期：2023年", font=font, fill=0)
    image = np.array(strip)
    found = read_print(image, 300)
    assert [line.text for line in found] == ["单位：科技局", "日期：2023年"]
    assert _whole_lines(image, found, 300) == found


@pytest.mark.parametrize(
    ("before", "after", "kept"),
    [
        ("部门预算及支出情况", "（二）部门预算及支出情况", True),
        ("部门基本情况", "一、部门基本情况", True),
        ("部门预算及支出情况", "0部门预算及支出情况", False),  # a mark beside the line read as a digit
        ("部门预算及支出情况", "（二）部门预算及支出", False),  # the first reading not held whole
    ],
)
def test_a_wider_reading_is_kept_only_when_it_adds_no_figure(before: str, after: str, kept: bool) -> None:
    assert _adds_no_figure(before, after) is kept

"""The lines of print of a scanned page: outside its tables, found by PP-OCR's detector and read
whole (`ingest.scan.page._whole_lines`), and inside a cell, cut to its print and read
(`ingest.scan.image.print_box`, `line_image`): strips cut from real scans, and print of our own
making."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.scan.image import PAPER, line_boxes, line_image, paper_level, print_box, without_dust
from ingest.scan.page import _adds_no_figure, _whole_lines
from ingest.scan.ppocr import read_line_images, read_print

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


def test_grey_print_of_a_200_dpi_scan_is_read_with_its_thin_strokes() -> None:
    """黄埔's target ≥85% scanned stamped at 200 dpi (the cell as scanned, its neighbours white): its
    print is grey, the ≥'s thin strokes lighter than print and broken into specks. Cut to its dark
    print alone the cell lost the ≥'s left half, and its light strokes made paper for the recogniser
    broke up the ≥ and the %'s slash: read 2850, and the indicator's target was refused."""
    cell = without_dust(
        cv2.imread(str(SCAN_LINES / "target_ge_85_percent_stamped_200.png"), cv2.IMREAD_GRAYSCALE)
    )
    box = print_box(cell, 300)
    assert box is not None
    crop = cell[box[1] : box[3], box[0] : box[2]]
    assert paper_level(crop) > PAPER + 20  # the case at hand: grey print
    lines = [line_image(crop, line)[0] for line in line_boxes(crop, 300)]
    assert [line.text for line in read_line_images(lines)] == ["≥85%"]


def test_print_scanned_black_keeps_the_recognisers_paper() -> None:
    line = np.full((30, 60), 255, dtype=np.uint8)
    line[5:25, 10:14] = 0
    line[5:25, 20:22] = 150  # a light stroke beside the black one
    assert paper_level(line) == PAPER

"""Lines of a scanned page's print read by PP-OCR: those outside its tables found by the detector and
read whole (`ingest.scan.page._whole_lines`), and a cell's lines with their figures proven
(`_figures_proven`): strips and cells cut from real scans, and print of our own making."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.scan import UNPROVEN
from ingest.scan.image import line_boxes, line_image
from ingest.scan.page import _figures_proven, _in_crop, _whole_lines
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


def test_a_digit_right_after_a_percent_sign_is_its_second_ring() -> None:
    """南海's project table scanned stamped at 200 dpi: a target cell ending 年度指标值：100%。 was
    read 100%0。, and the readings of that 0's own print agreed on nothing. Print sets no digit right
    after a %: the 0 is left out, and the cell's figures stand proven."""
    crop = cv2.imread(str(SCAN_LINES / "target_percent_ring_stamped_200.png"), cv2.IMREAD_GRAYSCALE)
    boxes = line_boxes(crop, 300)
    drawn = [line_image(crop, box) for box in boxes]
    lines = [
        _in_crop(line, box, scale, columns)
        for line, box, (_, scale, columns) in zip(
            read_line_images([image for image, _, _ in drawn]), boxes, drawn, strict=True
        )
    ]
    assert lines[-1].text.endswith("100%0。")  # the case at hand
    texts = [_figures_proven(crop, line, 300) for line in lines]
    assert texts[-1].endswith("100%。"), texts
    assert not any(UNPROVEN in text for text in texts), texts

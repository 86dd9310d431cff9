"""Which amount the readings of a number cell agree on (`ingest.scan.page.agreed_amount`), and which
figures of a line of text are proven (`ingest.scan.page._figures_proven`), on cells cut from real
scans: the print `cell_print` gave the readers, and PP-OCR's reading of it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.scan import UNPROVEN
from ingest.scan.image import (
    dashes_beside,
    figure_print,
    glyph_before,
    line_boxes,
    line_image,
    print_box,
    sign_first,
    stop_on_the_line,
)
from ingest.scan.page import READING_HEIGHTS, _figures_proven, _in_crop, agreed_amount, sign_read_as_digit
from ingest.scan.ppocr import Box, Line, read_line_images
from ingest.scan.tesseract import missing_models

SCAN_LINES = Path(__file__).resolve().parents[1] / "fixtures" / "scan_lines"

pytestmark = pytest.mark.skipif(bool(missing_models()), reason="needs Tesseract's models")


def cell(name: str) -> np.ndarray:
    return cv2.imread(str(SCAN_LINES / name), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize(
    ("name", "figure"),
    [
        ("score_7_5_fax_g4_300.png", "7.5"),  # 东莞's 采购管理 score
        ("score_11_fax_g4_300.png", "11"),  # 南山's 绩效管理 score
        ("score_7_5_fax_g4_200.png", "7.5"),  # 海珠's, scanned at 200 dpi
        ("score_5_5_fax_g4_200.png", "5.5"),
    ],
)
def test_small_serif_scores_on_a_fax_page_are_read_alike(name: str, figure: str) -> None:
    """Tesseract's English model reads the serif 5 and the 1s of a fax page as printed in all seven
    preparations. Debian's fast model read these 5s as 9 or 3 in most of them (7.9 four times of
    seven) and these 1s as nothing in three, and every one of these cells was refused."""
    amount, readings = agreed_amount(cell(name), 300, figure)
    assert amount == figure, readings
    assert readings == [figure] * len(readings)


def test_a_reading_of_nothing_is_no_vote_against_the_amount() -> None:
    """南沙's 预算执行 score 3.5 on the same fax page: of the seven readings four are of nothing and
    three of the amount, none of another. A reading of nothing says nothing of the amount, so it
    does not outvote the rereadings that agree with PP-OCR."""
    amount, readings = agreed_amount(cell("score_3_5_fax_g4_300.png"), 300, "3.5")
    rereadings = readings[len(READING_HEIGHTS) :]
    assert set(readings) == {"", "3.5"}, readings  # the case at hand: nothing, or the amount
    assert rereadings.count("") == 2, readings  # a tie, had nothing been a vote
    assert amount == "3.5", readings


@pytest.mark.parametrize(
    ("name", "misread", "printed"),
    [("score_3_5_fax_g4_300.png", "3.6", "3.5"), ("score_7_5_fax_g4_300.png", "7.9", "7.5")],
)
def test_what_one_engine_alone_read_never_stands(name: str, misread: str, printed: str) -> None:
    """PP-OCR reading a digit wrong: readings of nothing give its reading no vote (3.5), and
    Tesseract's three readings of other digits do not outvote it either (7.5: in a colour JPEG
    Tesseract read 1,150.00 as 1,150.08 three times). The cell stays unproven, its readings kept
    for the document's identities to settle (`ingest/settling.py`)."""
    amount, readings = agreed_amount(cell(name), 300, misread)
    assert amount is None, readings
    assert printed in readings


def test_tesseract_agreeing_with_itself_on_other_digits_proves_nothing() -> None:
    """南海's project table as a colour JPEG at 200 dpi: PP-OCR read 1,150.00, Tesseract 1,150.08 in
    all three preparations, and that amount had stood, caught only by the project's 总计. The
    cell is unproven, both amounts among its readings."""
    amount, readings = agreed_amount(
        cell("amount_1150_tesseract_misread_colour_jpeg_200.png"), 300, "1,150.00"
    )
    assert readings[: len(READING_HEIGHTS)] == ["1,150.08"] * 3  # the case at hand
    assert amount is None


def test_a_full_stop_after_a_percent_read_as_a_digit_is_no_figure() -> None:
    """南海's 2024 project table scanned stamped at 200 dpi: the target 统计报表按时报送率 100%。 was
    read 100%0。 (PP-OCR's reading of the cell's second line, its figures' boxes as it placed
    them), the full stop after the % taken for a 0 that no second reading proved, and the whole
    table was refused. Its print is a short mark standing on the line: no figure."""
    crop = cell("percent_full_stop_stamped_200.png")
    line = Line(
        "计报表按时报送率，年度指标值：100%0。",
        (2, 47, 616, 86),
        (("100", (507, 47, 565, 86)), ("0", (582, 47, 602, 86))),
    )
    assert _figures_proven(crop, line, 300) == "计报表按时报送率，年度指标值：100%。"


def test_a_full_stop_in_prose_read_as_a_digit_is_no_figure() -> None:
    """白云's report as a colour JPEG at 300 dpi: the line 和 312 人。 was read 和312人5, the full stop
    taken for a 5 that no second reading proved, and the report was refused. A full stop stands
    short on the line, wherever it follows: no figure; the 312 beside it stays proven."""
    crop = cell("prose_full_stop_colour_jpeg_300.png")
    line = Line("和312人5", (10, 10, 307, 87), (("312", (84, 10, 199, 87)), ("5", (274, 10, 307, 87))))
    assert _figures_proven(crop, line, 300) == "和312人"


@pytest.mark.parametrize(
    ("marks", "stop"),
    [
        # the runs of 南海's % and the full stop after it, as read off its scan: the stop's two sides
        ([(0, 5, 8, 33), (9, 18, 8, 22), (28, 30, 20, 32), (35, 37, 20, 32)], True),
        ([(0, 5, 8, 33), (9, 18, 8, 22), (28, 37, 8, 33)], False),  # a digit as tall as the %
        ([(0, 5, 8, 33), (9, 18, 8, 22), (28, 37, 8, 19)], False),  # a short mark well above the line
    ],
)
def test_a_stop_on_the_line_is_told_from_a_digit(marks: list[tuple[int, int, int, int]], stop: bool) -> None:
    """Inked columns and rows (left, right, top, bottom) of a % and a mark after it, the
    recogniser's box of a figure over the mark."""
    line = np.full((40, 50), 255, dtype=np.uint8)
    for left, right, top, bottom in marks:
        line[top : bottom + 1, left : right + 1] = 0
    assert stop_on_the_line(line, (20, 0, 40, 39), 300) is stop


def test_a_sign_under_a_ring_read_as_a_digit_by_both_engines_is_no_amount() -> None:
    """肇庆's form as a colour JPEG at 300 dpi: the target ≧20 of 新增省级以上科技创新平台数量, a
    seal's ring through its ≧. PP-OCR read 220, and Tesseract, which reads digits only, gave the
    sign the digit it looks most like, 220, three times: the readings agreed on a wrong amount.
    The first glyph is wider than any digit: the cell holds no amount it can prove."""
    crop = cell("target_ge_20_under_a_ring_colour_jpeg_300.png")
    amount, readings = agreed_amount(crop, 300, "220")
    assert amount == "220", readings  # the case at hand: agreed, and wrong
    height, width = crop.shape
    assert sign_first(crop, (0, 0, width, height), 300)
    # The ring cut the sign's strokes apart: they tell no sign, and the cell stays unproven.
    assert sign_read_as_digit(crop, (0, 0, width, height), "220", 300) is None


@pytest.mark.parametrize("read", ["30", "230"])
def test_a_sign_the_readings_took_for_a_digit_is_read_from_its_strokes(read: str) -> None:
    """肇庆's form as a 1-bit fax page at 300 dpi: the target ≥30 of 全市技术合同成交额. PP-OCR
    read 30, Tesseract 230: no amount agreed. The wide first glyph's strokes are a ≥, and the
    digits after it read 30 by both engines: the target as printed, whichever way the first
    reading had it."""
    crop = cell("target_ge_30_sign_read_as_2_fax_g4_300.png")
    height, width = crop.shape
    assert sign_read_as_digit(crop, (0, 0, width, height), read, 300) == "≥30"
    # Digits the print does not show are not taken from a reading.
    assert sign_read_as_digit(crop, (0, 0, width, height), "80", 300) is None


NOTO = Path("/usr/share/fonts/opentype/noto")


@pytest.mark.skipif(not NOTO.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize("face", ["NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc"])
def test_no_digit_is_taken_for_a_sign(face: str) -> None:
    """Every digit before 0, 9 pt and 14 pt at 300 dpi, in both Noto CJK faces (sans and serif):
    none is wider than a digit may be."""
    for size in (38, 58):
        font = ImageFont.truetype(str(NOTO / face), size, index=2)
        for digit in "0123456789":
            strip = Image.new("L", (4 * size, 2 * size), 255)
            ImageDraw.Draw(strip).text((size // 2, size // 3), f"{digit}0", font=font, fill=0)
            image = np.array(strip)
            assert not sign_first(image, (0, 0, image.shape[1], image.shape[0]), 300), (digit, size)


def _read_line(crop: np.ndarray) -> Line:
    (box,) = line_boxes(crop, 300)
    image, scale, columns = line_image(crop, box)
    (line,) = read_line_images([image])
    return _in_crop(line, box, scale, columns)


def _printed_and_read(text: str, face: str) -> tuple[np.ndarray, Line]:
    """`text` printed at 10.5 pt (300 dpi) in a Noto CJK face, and PP-OCR's reading of it."""
    font = ImageFont.truetype(str(NOTO / face), 44, index=2)
    strip = Image.new("L", (60 + 50 * len(text), 90), 255)
    ImageDraw.Draw(strip).text((20, 15), text, font=font, fill=0)
    crop = np.array(strip)
    return crop, _read_line(crop)


def test_a_figure_set_apart_letter_by_letter_is_one_figure() -> None:
    """韶关's 2024 form prints the target ≥95% set apart across its cell (stamped at 300 dpi):
    PP-OCR read ≥9 5%, each digit proven by itself, and the target landed with the value 9. The
    two digits' print read whole is 95, three times: one figure."""
    crop = cell("target_ge_95_percent_set_apart_stamped_300.png")
    line = _read_line(crop)
    assert line.text == "≥9 5%"  # the case at hand
    assert _figures_proven(crop, line, 300) == "≥95%"


def test_figures_a_colon_parts_are_not_proven() -> None:
    """Figures read with a colon between them where the print holds no point there: Tesseract, which
    reads digits and points only, cannot tell a colon from a point read as one, and neither figure
    is proven (the document is refused naming them)."""
    crop = cell("target_ge_95_percent_set_apart_stamped_300.png")
    line = _read_line(crop)
    (first, first_box), (second, second_box) = line.figures
    as_colon = Line(f"≥{first}:{second}%", line.box, ((first, first_box), (second, second_box)))
    assert _figures_proven(crop, as_colon, 300) == f"≥{UNPROVEN}{first}:{UNPROVEN}{second}%"


def test_a_point_read_as_a_colon_is_told_by_its_print() -> None:
    """增城's form stamped at 300 dpi: a speck above the point of the target ≥2.8% made PP-OCR read
    ≥2:8% (the target had landed with the value 2, then was refused). The print between the digits
    is one dot on the line and a speck: a point, and the print read whole proves 2.8."""
    crop = cell("target_point_under_a_speck_stamped_300.png")
    line = Line("≥2:8%", (1, 0, 117, 33), (("2", (35, 0, 53, 33)), ("8", (68, 0, 85, 33))))
    assert _figures_proven(crop, line, 300) == "≥2.8%"


@pytest.mark.skipif(not NOTO.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize("face", ["NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc"])
def test_a_printed_colon_between_figures_is_no_point(face: str) -> None:
    """A ratio printed with a colon (比例 1:3) at 10.5 pt: two dots alike, one above the other, are
    no decimal point, and the figures stay unproven."""
    crop, line = _printed_and_read("比例1:3", face)
    assert line.text == "比例1:3"  # the case at hand
    assert _figures_proven(crop, line, 300) == f"比例{UNPROVEN}1:{UNPROVEN}3"


def test_dashes_of_a_page_number_read_as_ones_are_dashes() -> None:
    """南沙's report on grey paper at 200 dpi: the page number `— 8 —` was read 181, each dash a 1,
    and its print read 8: the report was refused for a figure not proven. The 1s are level bars at
    the digit's middle: dashes, and the 8 stands."""
    crop = cell("page_number_dashes_grey_200.png")
    line = Line("181", (10, 10, 191, 89), (("181", (16, 10, 173, 89)),))
    assert _figures_proven(crop, line, 300) == "—8—"


@pytest.mark.skipif(not NOTO.exists(), reason="needs fonts-noto-cjk")
@pytest.mark.parametrize("face", ["NotoSansCJK-Regular.ttc", "NotoSerifCJK-Regular.ttc"])
def test_printed_ones_are_no_dashes(face: str) -> None:
    """181 and 1—1 printed: a 1 is as tall as the digits, and only the bar counts as a dash."""
    font = ImageFont.truetype(str(NOTO / face), 44, index=2)
    for printed, dashes in (("181", (0, 0)), ("—8", (1, 0))):
        strip = Image.new("L", (300, 90), 255)
        ImageDraw.Draw(strip).text((20, 15), printed, font=font, fill=0)
        image = np.array(strip)
        rows, columns = np.nonzero(image < 128)
        box = (int(columns.min()), int(rows.min()) - 4, int(columns.max()) + 1, int(rows.max()) + 5)
        assert dashes_beside(image, box, 300) == dashes, printed


def test_digits_that_touch_are_no_sign() -> None:
    """肇庆's form stamped at 200 dpi: in 入库450家以上 the 4 and 5 ran together into one glyph wider
    than any digit, and 450, read alike by both engines, was disproved as a sign and a figure. The
    reading gives the print three characters, its glyphs are two, and the first is as wide as two
    digits: characters touching. Without the reading the glyph is still taken for a sign."""
    crop = cell("target_450_digits_touching_stamped_200.png")
    box = (71, 0, 127, 41)
    assert not sign_first(crop, box, 300, "450")
    assert sign_first(crop, box, 300)


GREY_SIGNS = [
    # 黄埔's form keystoned at 200 dpi: targets whose sign the scan left grey through and through
    ("target_gt_520_grey_sign_keystone_200.png", "520家", (18, 0, 96, 28), (18, 0, 65, 28), ">520家"),
    ("target_ge_1_grey_sign_keystone_200.png", "1场", (30, 1, 72, 30), (30, 1, 45, 30), "≥1场"),
    # 黄埔's form with distributed labels keystoned at 300 dpi: a > whose strokes came out hollow
    ("target_gt_2500_hollow_sign_keystone_300.png", "2500家", (16, 2, 109, 30), (16, 2, 83, 30), ">2500家"),
]


@pytest.mark.parametrize(("name", "read", "line_box", "figure_box", "printed"), GREY_SIGNS)
def test_a_grey_sign_the_reading_left_out_is_read_from_its_strokes(
    name: str, read: str, line_box: Box, figure_box: Box, printed: str
) -> None:
    """The recogniser read the target without its sign (the line's box begins at the figure), and
    the figure is proven: the glyph before it is a sign by its strokes, the ≥'s bar apart from its
    chevron taken in too (alone, the chevron is a >), a hollow stroke's paper filled. The cell's
    print reaches over the sign."""
    crop = cell(name)
    figure = read.rstrip("家场")
    line = Line(read, line_box, ((figure, figure_box),))
    assert _figures_proven(crop, line, 300) == printed
    padded = np.pad(crop, 20, constant_values=255)
    box = print_box(padded, 300)
    assert box is not None and box[0] <= 20 + 3


@pytest.mark.parametrize(("bar", "printed"), [(150, "≥520家"), (215, f"{UNPROVEN}520家"), (None, ">520家")])
def test_a_grey_chevron_with_a_lighter_bar_under_it_is_no_sign(bar: int | None, printed: str) -> None:
    """The grey > of the keystoned target drawn again as a ≥: with its bar as grey as its chevron
    it is a ≥; with a bar lighter than a glyph's ink is looked for in, the chevron alone would be
    a >, and the figure is not proven; with no bar, a >."""
    crop = cell("target_gt_520_grey_sign_keystone_200.png").copy()
    crop[:, :17] = 255
    cv2.polylines(crop, [np.array([(3, 5), (14, 11), (3, 17)])], False, 150, 2)
    if bar is not None:
        cv2.line(crop, (3, 22), (14, 22), bar, 2)
    line = Line("520家", (18, 0, 96, 28), (("520", (18, 0, 65, 28)),))
    assert _figures_proven(crop, line, 300) == printed


def test_a_sign_read_as_a_letter_is_read_from_its_strokes() -> None:
    """肇庆's form stamped at 300 dpi: the target ≧20 (two bars under the chevron) was read N20, and
    landed so. The glyph read as a lone letter before the figure is a sign by its strokes."""
    crop = cell("target_ge_20_read_n20_stamped_300.png")
    line = Line("N20", (0, 0, 75, 36), (("20", (26, 0, 75, 36)),))
    assert _figures_proven(crop, line, 300) == "≥20"


@pytest.mark.skipif(not NOTO.exists(), reason="needs fonts-noto-cjk")
def test_a_letter_before_a_figure_is_no_sign() -> None:
    """A target printed Q1 (a quarter): its letter's strokes are no sign, and a scan cannot tell it
    from a sign misread, so the figure is not proven."""
    crop, line = _printed_and_read("Q1", "NotoSansCJK-Regular.ttc")
    assert line.text == "Q1"  # the case at hand
    assert _figures_proven(crop, line, 300) == f"Q{UNPROVEN}1"


def test_a_digit_left_out_of_a_figure_s_print_is_no_glyph_before_it() -> None:
    """白云's report stamped at 300 dpi: a line begins 56,341.46万元, a seal's speck makes its 5 reach
    past the other digits, and the figure's print leaves the 5 out as a mark beside them. The 5
    lies inside the recogniser's box of the figure: no glyph the reading left out (the report was
    refused as one that might be a sign)."""
    crop = cell("prose_first_figure_speck_on_5_stamped_300.png")
    box = (10, 10, 309, 85)
    assert figure_print(crop, box, 300).shape[1] < 290  # the case at hand: the 5 left out
    assert glyph_before(crop, box, 300) is None


def test_a_glyph_before_a_figure_that_is_no_sign_leaves_it_unproven() -> None:
    """The same target with a grey mark before it that no sign's strokes make (a box): the reading
    left it out, and what it is cannot be told, so the figure cannot stand."""
    crop = cell("target_gt_520_grey_sign_keystone_200.png").copy()
    crop[:, :17] = 255
    cv2.rectangle(crop, (3, 6), (14, 22), 175, 2)
    line = Line("520家", (18, 0, 96, 28), (("520", (18, 0, 65, 28)),))
    assert _figures_proven(crop, line, 300) == f"{UNPROVEN}520家"


def test_a_sign_read_before_a_figure_whose_glyph_ran_into_the_first_digit_disproves_nothing() -> None:
    """广州's form (distributed labels) as a 1-bit fax page at 300 dpi: the ≥ of ≥4500家 touches its
    4, one glyph wider than any digit. PP-OCR read the sign before the figure: the figure is no
    sign read as a digit, and stands as read."""
    crop = cell("target_sign_joined_to_a_digit_fax_g4_300.png")
    line = _read_line(crop)
    assert "≥4500家" in line.text  # the case at hand
    box = next(box for figure, box in line.figures if figure == "4500")
    assert sign_first(crop, box, 300)
    assert "≥4500家" in _figures_proven(crop, line, 300)

"""How a scanned page's image is cut into cells and lines (`ingest/scan/image.py`), on pages drawn
here pixel by pixel at 300 dpi: what a browser's print and a scanner do to ruling lines and cells
that the samples' scans never showed. No OCR model is needed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ingest.scan.image import PAPER, figure_print, find_cells, is_dash, line_boxes, without_red_ink

DPI = 300
COLUMNS = (200, 700, 1400, 2000)  # the x of each ruling line down
ROWS = (300, 420, 540, 660)  # the y of each ruling line across


def _page(*, down: int = 3, ink: int = 0) -> np.ndarray:
    """A white A4 page at 300 dpi with a ruled table of 3 × 3 cells; ruling lines `down` pixels
    wide and `ink` dark."""
    page = np.full((3508, 2480), 255, dtype=np.uint8)
    for y in ROWS:
        page[y : y + 3, COLUMNS[0] : COLUMNS[-1] + 3] = 0
    for x in COLUMNS:
        page[ROWS[0] : ROWS[-1] + 3, x : x + down] = ink
    return page


def _speckled(page: np.ndarray, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ys, xs = rng.integers(0, page.shape[0], 4000), rng.integers(0, page.shape[1], 4000)
    speckled = page.copy()
    speckled[ys, xs] = 90
    return speckled


def test_a_table_of_nine_cells_has_nine() -> None:
    cells, _ = find_cells(_speckled(_page()), DPI)
    assert len(cells) == 9


def test_a_hairline_a_pixel_wide_still_rules_its_cells() -> None:
    """A browser prints a 1 px border as a line one pixel wide at 300 dpi, and grey (antialiased):
    the scan's median filter, which fills a line's pinholes, had erased it, and the cells either side
    ran together (黄埔's form printed by Chromium lost its right column)."""
    cells, _ = find_cells(_speckled(_page(down=1, ink=110)), DPI)
    assert len(cells) == 9


def test_a_one_row_block_keeps_its_short_lines_down() -> None:
    """A form's 基本信息 block is one row of label and figure pairs, its lines down a row's height
    long and continued by no other row: shorter than the opening that finds lines keeps. They rule
    the row's four cells all the same, since each runs from a line across to another; a stroke of
    print standing in a cell, touching neither line, rules nothing, nor does a seal's ring crossing
    the row from line to line, far lighter than a ruling."""
    page = _page()
    top, bottom = 800, 860
    for y in (top, bottom):
        page[y : y + 3, COLUMNS[0] : COLUMNS[-1] + 3] = 0
    for x in (COLUMNS[0], 450, 1000, 1700, COLUMNS[-1]):
        page[top : bottom + 3, x : x + 3] = 0
    page[ROWS[0] + 27 : ROWS[1] - 20, 400:404] = 0  # a 1 or the stroke of 中, 6 mm tall
    page[top + 12 : bottom - 10, 1300:1304] = 0  # and one in the short row
    page[top : bottom + 3, 1500:1505] = 180  # a seal's ring crossing the row, upright there: no line
    cells, _ = find_cells(_speckled(page), DPI)
    assert len(cells) == 9 + 4
    in_the_row = sorted(cell.box[0] for cell in cells if cell.box[1] > top - 5)
    assert len(in_the_row) == 4 and abs(in_the_row[2] - 1000) <= 8, in_the_row


def test_a_row_cut_by_the_page_end_is_closed() -> None:
    """A browser prints a row that the page's end cuts without its line across: the lines down end
    open at the same height. The row's cells are cells all the same, the table closed where they end;
    a column whose own line across was printed (the right one here) is joined, not crossed."""
    page = _page()
    page[ROWS[-1] : ROWS[-1] + 3, COLUMNS[0] : COLUMNS[-2]] = 255  # the last line, but under the last column
    cells, _ = find_cells(_speckled(page), DPI)
    assert len(cells) == 9
    bottoms = sorted({cell.box[3] for cell in cells})
    assert bottoms[-1] - ROWS[-1] <= 6, bottoms


def test_lines_down_that_end_apart_are_not_joined() -> None:
    """Lines down that stop each at a height of its own are lines that stop, not a table the page
    cut: nothing closes them, and the open row is no cells."""
    page = _page()
    page[ROWS[-1] : ROWS[-1] + 3, COLUMNS[0] : COLUMNS[-1] + 3] = 255
    for stop, x in zip((663, 630, 600, 570), COLUMNS, strict=True):
        page[stop:, x : x + 3] = 255
    cells, _ = find_cells(_speckled(page), DPI)
    assert len(cells) == 6


# Bars drawn into a cell's print at 300 dpi (11.8 px a millimetre): (left, top, right, bottom).
_EM_DASH = [(0, 0, 44, 4)]
# A 2 px bar climbing a pixel every ten columns.
_TURNED_DASH = [(0, 3, 9, 4), (10, 2, 19, 3), (20, 1, 29, 2), (30, 0, 39, 1)]


@pytest.mark.parametrize(
    ("marks", "top_in_cell", "dash"),
    [
        (_EM_DASH, 30, True),  # an em dash, 3.7 mm, in the middle of a 64 px cell
        ([(0, 0, 14, 3)], 30, True),  # a hyphen, 1.2 mm
        (_TURNED_DASH, 30, True),  # a thin bar on a page turned 1.5°: its box half empty
        ([*_TURNED_DASH, (12, 4, 13, 6)], 30, True),  # the same with a speck of dust beneath it
        (_EM_DASH, 58, False),  # the rest of a ruling line along the cell's bottom edge
        ([(0, 0, 200, 4)], 30, False),  # 17 mm: a rule, not a dash
        ([(0, 0, 44, 4), (0, 14, 44, 18)], 24, False),  # two bars: 二, or = in a figure
        ([(0, 0, 4, 24)], 20, False),  # a stroke standing up: a 1
        ([(0, 0, 44, 16)], 24, False),  # a block as thick as a glyph (a seal's ink, a smudge)
    ],
)
def test_a_cell_printed_with_a_dash_alone_is_read_as_a_dash(
    marks: list[tuple[int, int, int, int]], top_in_cell: int, dash: bool
) -> None:
    """A self-evaluation table prints — where a line has no 分值 or 得分; the parsers take it for no
    figure. Scaled to the recogniser's line height the bar alone fills the line and reads as nothing,
    which would leave the cell unproven: one bar, thin, short, straight and in the middle of its cell
    is a dash, anything else is read."""
    right = max(mark[2] for mark in marks) + 1
    bottom = max(mark[3] for mark in marks) + 1
    crop = np.full((bottom + 4, right + 4), 255, dtype=np.uint8)
    for left, top, mark_right, mark_bottom in marks:
        crop[top + 2 : mark_bottom + 3, left + 2 : mark_right + 3] = 0
    assert is_dash(crop, DPI, 64, top_in_cell) is dash


def _colour_jpeg(rgb: np.ndarray, quality: int = 60) -> np.ndarray:
    """`rgb` through a JPEG at `quality` with chroma at half resolution, as a scanner's software
    writes a colour page."""
    options = [cv2.IMWRITE_JPEG_QUALITY, quality]
    options += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420]
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), options)
    assert ok
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_a_seal_ring_on_a_colour_jpeg_is_paper_but_not_where_it_crosses_print() -> None:
    """A scanner's red ring drawn over a black figure, then JPEG-compressed: in the red channel alone
    parts of the ring are darker than PAPER (read as marks beside figures); lifted by its redness
    the ring is paper, except where it crosses the figure's strokes, which stay as the red channel
    had them, so the 8 it crosses stays closed."""
    page = np.full((600, 900, 3), 255, dtype=np.uint8)
    cv2.putText(page, "48", (300, 330), cv2.FONT_HERSHEY_SIMPLEX, 4, (0, 0, 0), 10)
    printed = page[..., 0] == 0
    ring = np.zeros(page.shape[:2], dtype=np.uint8)
    cv2.circle(ring, (420, 0), 262, 255, 5)  # through the top of the 4 and of the 8
    page[ring > 0] = (200, 30, 40)
    scanned = _colour_jpeg(page)
    red = np.ascontiguousarray(scanned[..., 0])
    lifted = without_red_ink(red, scanned[..., 1], scanned[..., 2], DPI)

    over_paper = (ring > 0) & (cv2.dilate(printed.astype(np.uint8), np.ones((31, 31), np.uint8)) == 0)
    assert np.percentile(red[over_paper], 5) <= PAPER
    assert np.percentile(lifted[over_paper], 1) > PAPER
    crossing = (ring > 0) & printed
    assert crossing.sum() > 100
    assert (lifted[crossing] == red[crossing]).all()


@pytest.mark.parametrize(
    ("joint", "bowl_kept"),
    [
        pytest.param(140, True, id="a joint lighter than print but darker than paper"),
        pytest.param(200, False, id="paper between a mark and the digits"),
    ],
)
def test_a_digit_whose_joint_is_lighter_than_print_stays_whole(joint: int, bowl_kept: bool) -> None:
    """The 9 of 94.33 on a keystoned sheet at 200 dpi, as that scan printed it (inked columns and
    rows, read off the scan): its bowl, which stops above the line, met its stem only in a column no
    darker than `joint`. A glyph's joint is print (the figure keeps the bowl, and Tesseract reads 9);
    paper there sets a mark apart from the digits, and the mark is left out."""
    line = np.full((32, 60), 255, dtype=np.uint8)
    line[3:17, 2:9] = 60  # the 9's bowl
    line[8:12, 9] = joint
    line[3:27, 10:18] = 60  # its stem
    line[3:27, 23:39] = 60  # the 4
    crop = figure_print(line, (2, 0, 39, 32), 2 * DPI // 3)
    # The crop starts two pixels left of the figure's first run: at the page's edge with the bowl,
    # at column 8 (inside the bowl) without it; it ends two pixels right of the 4.
    assert crop.shape[1] == (41 if bowl_kept else 33)


def test_a_1_beside_0s_whose_thin_arcs_are_faint_stays_in_its_figure() -> None:
    """100 on a keystoned sheet at 200 dpi, as that scan printed it: the 0s' sides print dark, their
    thin top and bottom arcs only darker than paper, the 1 dark from top to foot. Counted on dark
    print, the 1 reached past the 0s at both ends as an ideograph's stroke does and was left out
    (100 read 00); counted with the arcs it stands as tall as they do."""
    line = np.full((30, 60), 255, dtype=np.uint8)
    line[2:28, 3:10] = 60  # the 1
    for left in (16, 35):  # the 0s
        line[2:4, left : left + 16] = 140
        line[26:28, left : left + 16] = 140
        line[4:26, left : left + 5] = 60
        line[4:26, left + 11 : left + 16] = 60
    crop = figure_print(line, (0, 0, 50, 30), 2 * DPI // 3)
    assert crop.shape[1] == 52  # from two pixels left of the 1 to two right of the last 0


@pytest.mark.parametrize(
    ("joint", "lines"),
    [
        pytest.param(155, 1, id="a glyph's joint lighter than print"),
        pytest.param(255, 2, id="paper between two lines"),
    ],
)
def test_a_digit_whose_joint_is_lighter_than_print_is_one_line(joint: int, lines: int) -> None:
    """The 5 of a score cell on a keystoned sheet at 200 dpi, as that scan printed it: its flag and
    stem met its bowl only in rows lighter than print (150–158, darker than paper). Cut there, the flag and
    stem were read 7 and the bowl ）; read as one line, it is a 5. Paper there parts two lines."""
    crop = np.full((40, 24), 255, dtype=np.uint8)
    crop[2:5, 4:20] = 60  # the flag
    crop[2:14, 4:8] = 60  # the stem
    crop[14:18, 4:8] = joint
    crop[18:21, 4:18] = 60  # the bowl's top
    crop[18:36, 16:20] = 60  # its side
    crop[33:36, 4:18] = 60  # its foot
    assert len(line_boxes(crop, DPI)) == lines

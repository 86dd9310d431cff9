"""A scanned page as pixels: its image without the seal's red, turned straight, and the cells its
ruling lines enclose. Nothing here knows a template: everything comes from the lines and the print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

# A scan is read at the resolution it was made at, within these bounds: below, print is too coarse
# to read a digit; above, the page costs memory and time for nothing Tesseract can use.
MIN_DPI, MAX_DPI = 100, 400
# The skew a page may have (degrees): a sheet fed crookedly, not a page printed sideways.
MAX_SKEW = 2.0


def scan_dpi(page: pdfium.PdfPage) -> int | None:
    """The resolution of the page's largest image, if it has one: what the office scanned at."""
    width_pt = page.get_width()
    widest = 0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        pixels, _ = image.get_px_size()
        left, _, right, _ = image.get_bounds()
        if right - left > 0.5 * width_pt:  # a logo or a signature is no scan of the page
            widest = max(widest, round(pixels * 72 / (right - left)))
    return min(max(widest, MIN_DPI), MAX_DPI) if widest else None


def render_grey(page: pdfium.PdfPage, dpi: int) -> tuple[np.ndarray, np.ndarray]:
    """The page at `dpi` twice, as grey levels taken from its red channel: the red ink of a seal is
    nearly white there while the black print under it stays black, so the seal never turns into
    text. The ruling lines are found on the first, the print read from the second, where what a
    JPEG's blur left of a seal's colour is lifted too (`without_red_ink`) and a pen's blue lines
    across the print (a signature over the department's name) are filled in from the print and
    paper around them (`without_pen`). Neither is done to the first: a ring drawn along a ruling
    replaces the line, and a pen's line over a ruling is as dark as the ruling; lifted or filled in,
    the line opened there (between 部门名称 and its value, under a form's last row) and the cell
    leaked into the next. The same array twice when the page has neither red nor blue ink."""
    bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)  # RGB order
    pixels = bitmap.to_numpy()
    red = np.ascontiguousarray(pixels[..., 0])
    blue = np.ascontiguousarray(pixels[..., 2])
    return red, without_pen(without_red_ink(red, pixels[..., 1], blue, dpi), blue, dpi)


# A pixel this much redder than it is green or blue holds a seal's red ink: print and paper are as
# light in all three (JPEG's noise aside, a few levels).
RED_INK = 24
# Darker than this in the red channel is print: black type and rulings, under a seal's ink or not;
# never the seal's red itself, however a JPEG darkened it.
PRINT_INK = 110


def without_red_ink(red: np.ndarray, green: np.ndarray, blue: np.ndarray, dpi: int) -> np.ndarray:
    """The red channel, where a seal's thin red lines run over paper lightened by how much redder
    each pixel is than green and blue; `red` itself when the page holds no red ink.

    A seal's ring on a colour JPEG keeps its shape but not its colour: chroma is stored at half the
    resolution and coarsely, so the ring's thin line comes out at 136–182 in the red channel, darker
    than PAPER, and its arcs were read as marks beside the figures (、0.00, A4,800.00). Lifted by its
    remaining redness it is paper. Left as scanned:
    - within a sixtieth of an inch of print (dark in the red channel as scanned): a ring drawn over a
      figure replaced its stroke there, and lifted, the 8 of 48,000.00 read as nothing (three
      readings agreed on 4,000.00); its grey crossing still joins the stroke;
    - a seal's solid ink (a star, a wide band), where print under the ink is redder too: lifted,
      a 1 under a stamped seal's star faded away and 17.5 was read 7.5, while the red channel
      already leaves such ink light and the print under it dark."""
    redness = cv2.subtract(red, cv2.max(green, blue))
    red_ink = cv2.threshold(redness, RED_INK, 255, cv2.THRESH_BINARY)[1]
    if not cv2.countNonZero(red_ink):
        return red  # the same array: no second page to flatten and turn
    wide = max(3, dpi // 30)  # a thirtieth of an inch: wider than a seal's ring or its characters' strokes
    solid = cv2.dilate(
        cv2.morphologyEx(red_ink, cv2.MORPH_OPEN, np.ones((wide, wide), np.uint8)),
        np.ones((wide, wide), np.uint8),
    )
    reach = wide | 1  # a sixtieth of an inch each side
    printed = cv2.threshold(red, PRINT_INK, 255, cv2.THRESH_BINARY_INV)[1]
    kept = cv2.max(solid, cv2.dilate(printed, np.ones((reach, reach), np.uint8)))
    # The thin lines and their edges, which the JPEG blurred below RED_INK.
    thin = cv2.subtract(cv2.dilate(red_ink, np.ones((3, 3), np.uint8)), kept)
    lifted = red.copy()
    cv2.add(red, redness, dst=lifted, mask=thin)
    return lifted


# A pixel this much lighter in the blue channel than in the red one is a blue pen's ink: black and
# grey print is as dark in both, a seal's red darker in the blue one.
PEN_BLUE = 40


def without_pen(red: np.ndarray, blue: np.ndarray, dpi: int) -> np.ndarray:
    """The red channel with a blue pen's thin lines filled in from around them (OpenCV's inpainting).
    A ballpoint signature across the department's name (24, 52, 168) is as dark as print in the red
    channel, and PP-OCR read the name under it as nothing; made paper, it left gaps through the
    strokes it crossed (称 read 稿, 术 read 求). Only lines as thin as a pen's are filled: a blue
    area (a form's shading, a logo) is left as scanned."""
    pen = cv2.threshold(cv2.subtract(blue, red), PEN_BLUE, 255, cv2.THRESH_BINARY)[1]
    if not cv2.countNonZero(pen):
        return red
    wide = max(3, dpi // 30)  # a thirtieth of an inch: wider than a ballpoint's line
    pen = cv2.subtract(pen, cv2.morphologyEx(pen, cv2.MORPH_OPEN, np.ones((wide, wide), np.uint8)))
    pen = cv2.dilate(pen, np.ones((3, 3), np.uint8))  # and its edge, blurred by the scan
    x, y, w, h = cv2.boundingRect(pen)
    if not w:
        return red
    x0, y0, x1, y1 = max(0, x - 8), max(0, y - 8), x + w + 8, y + h + 8
    filled = red.copy()
    filled[y0:y1, x0:x1] = cv2.inpaint(red[y0:y1, x0:x1], pen[y0:y1, x0:x1], 3, cv2.INPAINT_TELEA)
    return filled


# The paper is estimated at about this resolution: every pixel there is the lightest of the
# PAPER_REACH × PAPER_REACH around it (about 6 mm), wider than any stroke and than the gap between
# two lines of print, so print never counts as paper.
PAPER_DPI = 40
PAPER_REACH = 9
# A sheet whose paper is mostly at least this light is white paper, left as scanned.
WHITE_PAPER = 235
# No paper is darker than this: a region that dark is ink (a black bar), never divided out.
DARKEST_PAPER = 128


def flatten_paper(grey: np.ndarray, dpi: int) -> np.ndarray:
    """The page with its paper made white: each pixel divided by the paper around it. Grey recycled
    paper (about 214 in the red channel) had put the back of the sheet showing through (a tenth of
    its ink) at 180–214, darker than the print mask's and the ruling finder's bounds for paper, so
    the back's print was read as marks beside the figures and as lines; divided out, it stands at
    210 and above, lighter than any of them, while print stays as dark as it was. White paper (an
    office's scanner, a fax) is left as scanned."""
    factor = PAPER_DPI / dpi
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    reach = cv2.getStructuringElement(cv2.MORPH_RECT, (PAPER_REACH, PAPER_REACH))
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, reach)
    paper = cv2.GaussianBlur(paper, (0, 0), PAPER_REACH / 3)
    if float(np.median(paper)) >= WHITE_PAPER:
        return grey
    paper = np.maximum(paper, DARKEST_PAPER)
    paper = cv2.resize(paper, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(grey, paper, scale=255)


def skew_of(grey: np.ndarray) -> float:
    """The angle (degrees) that makes the page's rows of dark pixels sharpest: printed lines and
    rulings run along the page, so the straight page has the most contrasted row sums."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    dark = (small < 160).astype(np.float32)
    height, width = dark.shape

    def sharpness(angle: float) -> float:
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        rows = cv2.warpAffine(dark, turn, (width, height)).sum(axis=1)
        return float((rows * rows).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.001, 0.1), key=sharpness)
    return float(max(np.arange(coarse - 0.1, coarse + 0.1001, 0.01), key=sharpness))


def straighten(grey: np.ndarray, angle: float) -> np.ndarray:
    """The page turned by `angle` (`skew_of`)."""
    if abs(angle) < 0.005:
        return grey
    height, width = grey.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(grey, turn, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)


@dataclass(frozen=True)
class Cell:
    """A region the ruling lines enclose: its box (x0, y0, x1, y1, pixels) and its label in the map."""

    box: tuple[int, int, int, int]
    label: int


# Lighter than this is no ruling line: a seal's red ink is about 208 in the red channel, and across
# a ruling of a scan at 200 dpi or more there is a pixel darker than about 110. Below that resolution
# a hairline is less than a pixel wide and comes out grey (its darkest pixel 150–190): there every
# dark pixel is looked at.
FAINT = 200
SHARP_DPI = 200


def find_cells(grey: np.ndarray, dpi: int) -> tuple[list[Cell], np.ndarray]:
    """The cells of the page's ruled tables and the label map (0 outside every cell).

    Ruling lines are what an opening with a third of an inch keeps of the ink: longer than any stroke
    of 7–16 pt type. A faint stretch of line is bridged, so that a cell does not leak into the next.
    Every region the lines enclose, not touching the page's edge, is a cell. Only ink about as dark
    as print is looked at: the ring of a seal over an amount, faint in the red channel but darker than
    the paper around it, had drawn a line through the amount's cell.
    """
    printed = np.where(grey > FAINT, 255, grey).astype(np.uint8) if dpi >= SHARP_DPI else grey

    def ink_of(image: np.ndarray) -> np.ndarray:
        return cv2.adaptiveThreshold(
            image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, (dpi // 5) | 1, 10
        )

    # The median fills the pinholes a scanner leaves in a line; it also erases a line one pixel wide
    # (a browser's hairline border), which the ink as scanned keeps. Specks of either are far shorter
    # than the opening below.
    ink = cv2.bitwise_or(ink_of(cv2.medianBlur(printed, 3)), ink_of(printed))
    reach = dpi // 3
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach)))
    if dpi >= SHARP_DPI:
        down = cv2.bitwise_or(down, _short_lines_down(ink, across, printed, dpi))
    bridge = max(3, dpi // 10)
    across = cv2.morphologyEx(across, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    down = cv2.morphologyEx(down, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    lines = cv2.bitwise_or(cv2.bitwise_or(across, down), _open_ends_closed(across, down, dpi))
    grid = cv2.dilate(lines, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(255 - grid, connectivity=4)
    height, width = grey.shape
    smallest = dpi // 15
    cells: list[Cell] = []
    keep = np.zeros(count, dtype=np.int32)
    for label in range(1, count):
        x, y, w, h, _ = (int(value) for value in stats[label])
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # the page around the tables
        if w < smallest or h < smallest or w * h > 0.5 * width * height:
            continue
        cells.append(Cell((x, y, x + w, y + h), len(cells) + 1))
        keep[label] = len(cells)
    return cells, keep[labels]


# Across a ruling line of a scan at SHARP_DPI or more there is a pixel darker than this.
RULING_BLACK = 110


def _short_lines_down(ink: np.ndarray, across: np.ndarray, grey: np.ndarray, dpi: int) -> np.ndarray:
    """Lines down shorter than the opening keeps, that run from a line across to another: the
    rulings between the cells of a one-row block (基本信息 | 编制数 | 45 | 在职人数 | 41 …), a row's
    height long, which no other row continues. Lost, the row's cells ran together and its figures
    were read as one cell's text (在职人数丨4丨下属级单位数」2), and two facts went unread. A
    stroke of print meets no ruling at both its ends; a seal's ring, near upright where it crosses a
    row, does, but it is nowhere as dark as a ruling (RULING_BLACK) in nine rows of ten: taken for
    a line, it had split 基本支出 from its amount."""
    short = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, dpi // 10)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(short, connectivity=8)
    near = max(2, dpi // 100)
    # Where a line across is within `near` rows: each end of a line down must stand there.
    reached = cv2.dilate(across, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 2 * near + 1))) > 0
    kept = np.zeros(count, dtype=bool)
    thin = np.flatnonzero(stats[1:, cv2.CC_STAT_WIDTH] <= 2 * near + 4) + 1  # strokes of print are many
    for label in thin:
        x, y, w, h, _ = (int(value) for value in stats[label])
        ends = reached[y, x : x + w].any() and reached[y + h - 1, x : x + w].any()
        black = (grey[y : y + h, max(0, x - 1) : x + w + 1] <= RULING_BLACK).any(axis=1).mean() >= 0.9
        kept[label] = bool(ends and black)
    lines: np.ndarray = np.where(kept[labels], 255, 0).astype(np.uint8)
    return lines


def _open_ends_closed(across: np.ndarray, down: np.ndarray, dpi: int) -> np.ndarray:
    """Lines that close a table a page break left open: a browser prints a row cut by the page's
    end without its bottom line (and the row's rest on the next page without its top line), so the
    cells' sides end in no line across. Where two or more ruling lines down end, open, at the same
    height, a line across joins them there, as the reader does for print (`_open_row_edges`)."""
    closing = np.zeros_like(across)
    solid = cv2.bitwise_or(across, down)
    count, _, stats, _ = cv2.connectedComponentsWithStats(down, connectivity=8)
    near = max(3, dpi // 30)
    height = across.shape[0]
    ends: dict[str, list[tuple[int, int, int]]] = {"top": [], "bottom": []}
    for label in range(1, count):
        x, y, w, h, _ = (int(value) for value in stats[label])
        for side, row in (("top", y), ("bottom", y + h - 1)):
            band = across[max(0, row - near) : min(height, row + near + 1), max(0, x - near) : x + w + near]
            if not band.any():
                ends[side].append((row, x, x + w))
    for side, side_ends in ends.items():
        side_ends.sort()
        group: list[tuple[int, int, int]] = []
        for end in [*side_ends, None]:
            if end is not None and (not group or end[0] - group[0][0] <= near):
                group.append(end)
                continue
            if len(group) >= 2:
                rows = [row for row, _, _ in group]
                row = max(rows) if side == "bottom" else min(rows)
                left, right = _to_the_lines(
                    solid, row, near, min(x0 for _, x0, _ in group), max(x1 for _, _, x1 in group)
                )
                closing[row, left:right] = 255
            group = [end] if end is not None else []
    return closing


def _to_the_lines(solid: np.ndarray, row: int, near: int, left: int, right: int) -> tuple[int, int]:
    """`left`..`right` along `row` stretched on each side to the next ruling line it meets there
    (a column whose own line across was printed, beside the open ones), if there is one."""
    inked = np.asarray(solid[max(0, row - near) : row + near + 1].any(axis=0))
    after = np.flatnonzero(inked[right:])
    before = np.flatnonzero(inked[:left])
    return (int(before[-1]) if before.size else left), (right + int(after[0]) + 1 if after.size else right)


def without_dust(crop: np.ndarray) -> np.ndarray:
    """Dark specks of one or two pixels (scanner dust) made white: a decimal point of 7 pt type is
    bigger even at 150 dpi."""
    cleaned = crop.copy()
    _, labels, stats, _ = cv2.connectedComponentsWithStats((crop < 128).astype(np.uint8), connectivity=8)
    specks = stats[:, cv2.CC_STAT_AREA] <= 2
    specks[0] = False  # the paper
    if specks.any():
        cleaned[specks[labels]] = 255
    return cleaned


def least_print(dpi: int) -> float:
    """The fewest pixels a mark of print has at `dpi`: a full stop; a smaller mark is a speck."""
    return max(3, 4 * (dpi / 150) ** 2)


def _print_mask(crop: np.ndarray, dpi: int) -> np.ndarray:
    """The crop's dark pixels that belong to print: specks smaller than a full stop are left out."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats((crop < 150).astype(np.uint8), connectivity=8)
    big = stats[:, cv2.CC_STAT_AREA] >= least_print(dpi)
    big[0] = False  # the paper
    mask: np.ndarray = big[labels]
    return mask


def print_box(crop: np.ndarray, dpi: int) -> tuple[int, int, int, int] | None:
    """Where the crop's print is (x0, y0, x1, y1), two pixels around it; None when nothing is printed.
    A word in the middle of a wide, speckled cell is read far better cut to its print. The print
    reaches as far as its ink darker than paper joins it: scanned at 200 dpi, the thin strokes of a
    ≥ are lighter than print and broken into specks, and the box cut the ≥ in half (read 2)."""
    dark = _print_mask(crop, dpi)
    if not dark.any():
        return None
    _, joined = cv2.connectedComponents((crop <= PAPER).astype(np.uint8), connectivity=8)
    printed = np.isin(joined, np.unique(joined[dark]))
    ys, xs = np.nonzero(printed | _light_glyphs(crop, printed, dpi))
    height, width = crop.shape
    return (
        max(0, int(xs.min()) - 2),
        max(0, int(ys.min()) - 2),
        min(width, int(xs.max()) + 3),
        min(height, int(ys.max()) + 3),
    )


# The lightest grey a glyph's strokes may be looked for in, beyond FAINT: whether a chevron found
# as a > has a ≥'s bar lighter still under it.
LIGHTEST = 230
# The least ink, in full stops (`least_print`), of a glyph lighter than print that a cell's print
# takes in: a ≥ or > scanned grey at 200 dpi; a speck or a seal's last trace is smaller.
LIGHT_GLYPH = 4


def _light_glyphs(crop: np.ndarray, printed: np.ndarray, dpi: int) -> np.ndarray:
    """The marks darker than FAINT but lighter than print that stand level with the print (sharing
    half their rows with it) and less than an em before it, at least LIGHT_GLYPH full stops of
    ink: a sign the scan left grey through and through. At 200 dpi on a keystoned sheet the > of
    >2500家 was all lighter than 160, left outside the cell's print and unread, and the target
    read 2500家."""
    rows = np.flatnonzero(printed.any(axis=1))
    columns = np.flatnonzero(printed.any(axis=0))
    em = rows[-1] - rows[0] + 1
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (crop <= FAINT).astype(np.uint8), connectivity=8
    )
    light = np.zeros(count, dtype=bool)
    for label in range(1, count):
        left, top, width, height, area = stats[label]
        overlap = min(top + height, rows[-1] + 1) - max(top, rows[0])
        before = 0 <= columns[0] - (left + width) < em
        light[label] = area >= LIGHT_GLYPH * least_print(dpi) and overlap >= height / 2 and before
    mask: np.ndarray = light[labels] & ~printed
    return mask


def cell_print(
    grey: np.ndarray, labels: np.ndarray, cell: Cell, dpi: int
) -> tuple[np.ndarray, tuple[int, int]] | None:
    """The cell's print, dust removed, everything outside the cell white, and where its top left
    corner is on the page; None for a cell with nothing printed in it."""
    x0, y0, x1, y1 = cell.box
    crop = grey[y0:y1, x0:x1].copy()
    crop[labels[y0:y1, x0:x1] != cell.label] = 255
    crop = without_dust(crop)
    if int((crop < 128).sum()) < (dpi / 60) ** 2:
        return None
    box = print_box(crop, dpi)
    if box is None:
        return None
    left, top, right, bottom = box
    return crop[top:bottom, left:right], (x0 + left, y0 + top)


# A dash printed where a template has no figure (—, -): one bar, longer than it is thick, no
# thicker than a stroke of print and no longer than two em dashes of large type, running straight
# across its columns. At LINE_HEIGHT such a bar alone fills the recogniser's whole line: it reads nothing.
DASH_THICKEST_MM = 1.0
DASH_LONGEST_MM = 10.0
DASH_ASPECT = 2.5
# How far a bar's middle may climb per column on a page turned a few degrees (tan 3°).
DASH_TILT = 0.05


def is_dash(crop: np.ndarray, dpi: int, cell_height: int, top_in_cell: int) -> bool:
    """Whether a cell's print (`cell_print`'s crop) is a dash and nothing else: one bar (see
    `DASH_ASPECT`) within the middle half of the cell's height, where a line of print stands; the
    rest of a ruling line lies along the cell's edge. The bar is measured column by column: its
    thickness is what most columns hold, and the middles of its columns lie on one line. A box
    would not do: a speck of dust touching the bar, or a bar scaled up from 200 dpi with its ends
    smoothed, leaves its box half empty."""
    mask = _print_mask(crop, dpi).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count != 2:
        return False
    left, top, width, height, _ = (int(value) for value in stats[1][:5])
    bar = labels[top : top + height, left : left + width] == 1
    # Every column of one component holds ink: no division by zero.
    inked = bar.sum(axis=0)
    thickness = float(np.median(inked))
    middles = (bar * np.arange(height)[:, None]).sum(axis=0) / inked
    per_mm = dpi / 25.4
    middle = top_in_cell + top + height / 2
    return (
        height <= DASH_THICKEST_MM * per_mm
        and width <= DASH_LONGEST_MM * per_mm
        and width >= DASH_ASPECT * thickness
        and float(np.ptp(middles)) <= thickness + DASH_TILT * width
        and cell_height / 4 <= middle <= 3 * cell_height / 4
    )


class InkRun(NamedTuple):
    """A run of adjacent inked columns of an image: its first and last column, and the first and last
    row its ink reaches."""

    left: int
    right: int
    top: int
    bottom: int

    @property
    def middle(self) -> float:
        return (self.left + self.right) / 2


def ink_runs(ink: np.ndarray) -> list[InkRun]:
    """Each run of adjacent inked columns of `ink` (True where inked), left to right."""
    columns = np.flatnonzero(ink.any(axis=0))
    runs = []
    for run in np.split(columns, np.flatnonzero(np.diff(columns) > 1) + 1) if columns.size else []:
        rows = np.flatnonzero(ink[:, run[0] : run[-1] + 1].any(axis=1))
        runs.append(InkRun(int(run[0]), int(run[-1]), int(rows[0]), int(rows[-1])))
    return runs


def glyph_runs(image: np.ndarray, dpi: int) -> list[InkRun]:
    """The runs of inked columns of `image`'s print (darker than 128), a run and the next joined
    when the columns between them are few (at most a hundredth of an inch) and each still holds a
    pixel darker than paper: the thin joint of one glyph, blurred lighter than print. On a keystoned
    sheet at 200 dpi the 9's bowl met its stem only in such a column, and the bowl alone, stopping
    above the line, was left out as a mark beside the digits (94.33 read 4.33). Print sets its
    characters apart by paper. Each run with the rows its ink reaches (`_reach_of`)."""
    joined: list[InkRun] = []
    faint = image < PAPER
    for run in ink_runs(image < 128):
        if joined:
            last = joined[-1]
            gap = faint[:, last.right + 1 : run.left]
            if run.left - last.right - 1 <= max(1, dpi // 100) and gap.any(axis=0).all():
                joined[-1] = last._replace(right=run.right)
                continue
        joined.append(run)
    return [_reach_of(run, image, faint) for run in joined]


def _reach_of(run: InkRun, image: np.ndarray, faint: np.ndarray) -> InkRun:
    """The run with the rows its ink reaches counted on the ink darker than paper that joins its
    print within its columns: blurred, the thin top and bottom of a 0 are lighter than print, and
    counted on print alone the 1 of 100% beside them reached past the 0s at both ends, as an
    ideograph's stroke does, and was left out (100 read 00). Faint ink that does not join the print
    there (a %'s slash passing a ring) is not the run's."""
    strip = np.ascontiguousarray(faint[:, run.left : run.right + 1], dtype=np.uint8)
    _, labels = cv2.connectedComponents(strip, connectivity=8)
    joined = np.unique(labels[image[:, run.left : run.right + 1] < 128])
    rows = np.flatnonzero(np.isin(labels, joined[joined > 0]).any(axis=1))
    return InkRun(run.left, run.right, int(rows[0]), int(rows[-1]))


def _digit_runs(kept: list[InkRun]) -> list[InkRun]:
    """Of a figure's runs of inked columns, those of its digits: the marks beside them left out one
    at a time from either end, the digits judged anew among the marks left (once the first stroke
    of a % is left out, it no longer counts among the three that `_beside_digits`'s last rule needs:
    on a keystoned sheet the 5 of 95% reached a pixel past the 9 at both ends)."""
    while len(kept) > 1:
        spans = [(run.top, run.bottom) for run in kept]
        if _beside_digits(spans[-1], spans):
            kept = kept[:-1]
        elif _beside_digits(spans[0], spans):
            kept = kept[1:]
        else:
            break
    return kept


def _beside_digits(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether the mark `span` (its top and bottom row), among a figure's marks `spans`, is not a
    digit: it stops well above the line the digits stand on (the first stroke of a %: 40% was read
    406), it is shorter than a digit (a 。 read 0, the 口 of the 和 before a 9 read 1: lining digits
    are all as tall), or, among three or more, it reaches both above and below the others (the
    vertical stroke of the 到 before 90 was read 1; a digit touching a speck reaches past them on
    one side)."""
    tall = max(bottom - first for first, bottom in spans)
    # The digits' top, baseline and height, from the marks at least half as tall as the tallest
    # (a point or a speck says nothing of them); of two such marks, the taller one's.
    big = [(first, bottom) for first, bottom in spans if bottom - first >= 0.5 * tall]
    many = len(big) >= 3
    top = float(np.median([first for first, _ in big])) if many else float(min(f for f, _ in big))
    base = float(np.median([bottom for _, bottom in big])) if many else float(max(b for _, b in big))
    digit = float(np.median([bottom - first for first, bottom in big])) if many else float(tall)
    first, bottom = span
    return (
        bottom < base - 0.3 * tall
        or bottom - first < 0.8 * digit
        or (many and first < top - 0.05 * digit and bottom > base + 0.05 * digit)
    )


def _figure_runs(
    image: np.ndarray, box: tuple[int, int, int, int], dpi: int
) -> tuple[int, list[InkRun], list[InkRun]]:
    """The runs of a glyph's columns around a figure's box (`glyph_runs`, reaching half its height
    either side), the column they start from, and of them the figure's digits (`_digit_runs`)."""
    x0, y0, x1, y1 = box
    reach = (y1 - y0) // 2
    left, right = max(0, x0 - reach), min(image.shape[1], x1 + reach)
    around = glyph_runs(image[y0:y1, left:right], dpi)
    return left, around, _digit_runs([run for run in around if x0 <= left + run.middle <= x1])


def figure_print(image: np.ndarray, box: tuple[int, int, int, int], dpi: int) -> np.ndarray:
    """The print of a figure the recogniser placed in `box` on a line, whole: the runs of inked
    columns around the box whose middle lies inside it. The recogniser's box of a run of characters
    may cut its last digit in half (550 was read 590 from the half) or take in a sliver of the
    character beside it. (Choosing as many runs as the figure has characters was tried: at 300 dpi
    the thin top and bottom of a 0 are lighter than the print, and a 0 is two runs.)"""
    x0, y0, x1, y1 = box
    left, _around, kept = _figure_runs(image, box, dpi)
    if kept:
        x0, x1 = left + kept[0].left, left + kept[-1].right + 1
    return image[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2]


def ring_after(image: np.ndarray, box: tuple[int, int, int, int], dpi: int) -> bool:
    """Whether the first mark right of a figure's print (`figure_print`) is a percent sign's first
    ring inside the recogniser's box (so the recogniser may have read it as a digit): at least a
    third as tall as the digits, it stops well above the line they stand on. A speck is too small
    to count; a digit the print left out (one touching a speck reaches past the others) stands on
    the line."""
    left, around, kept = _figure_runs(image, box, dpi)
    if not kept:
        return False
    top = min(run.top for run in kept)
    base = max(run.bottom for run in kept)
    tall = base - top
    after = [run for run in around if run.left > kept[-1].right and run.bottom - run.top >= tall / 3]
    return bool(after) and after[0].bottom < base - 0.3 * tall and left + after[0].middle <= box[2]


# The widest a digit's ink is against the height of the digits beside it: about 0.6 in the faces
# offices print with.
WIDEST_DIGIT = 0.8


def sign_first(image: np.ndarray, box: tuple[int, int, int, int], dpi: int, read: str = "") -> bool:
    """Whether a figure's print (`figure_print`) begins with a glyph wider than any digit (more than
    WIDEST_DIGIT of the height of the glyphs after it): a comparison sign, not a digit. Under a
    seal's ring a ≧ read 2 by both engines alike (Tesseract reads digits only, and gives a sign the
    digit it looks most like), and ≧20 was read 220. `read`, the figure as read, tells when the
    first glyph is characters touching instead (`_touching`)."""
    return sign_and_digits(image, box, dpi, read) is not None


def _touching(first: InkRun, rest: list[InkRun], tall: int, read: str) -> bool:
    """Whether a figure's wide first glyph is characters of `read` that touch: the reading gives
    the print more characters than it has glyphs, every other glyph is one digit wide, and the
    first is as wide as the characters left for it. Scanned grey at 200 dpi, the 4 and 5 of 450
    ran together, and 450, read alike by both engines, was taken for a sign and a figure."""
    holds = len(read) - len(rest)
    if holds < 2 or any(run.right - run.left + 1 > WIDEST_DIGIT * tall for run in rest):
        return False
    widest = max(run.right - run.left + 1 for run in rest)
    return first.right - first.left + 1 <= holds * widest * 1.15


def sign_and_digits(
    image: np.ndarray, box: tuple[int, int, int, int], dpi: int, read: str = ""
) -> tuple[np.ndarray, np.ndarray] | None:
    """When a figure's print begins with a glyph wider than any digit (`sign_first`): that glyph cut
    to its ink with two pixels around it (as `cell_print` cuts a cell's print, for
    `signs.comparison_sign`), and the print of the digits after it; else None."""
    left, _around, kept = _figure_runs(image, box, dpi)
    if len(kept) < 2:
        return None
    first, rest = kept[0], kept[1:]
    tall = max(run.bottom - run.top + 1 for run in rest)
    if first.right - first.left + 1 <= WIDEST_DIGIT * tall or _touching(first, rest, tall, read):
        return None
    _x0, y0, _x1, y1 = box
    glyph = image[y0 + first.top : y0 + first.bottom + 1, left + first.left : left + first.right + 1]
    digits = image[max(0, y0 - 2) : y1 + 2, max(0, left + rest[0].left - 2) : left + rest[-1].right + 3]
    return framed(glyph, 2), digits


def point_between(
    image: np.ndarray, before: tuple[int, int, int, int], after: tuple[int, int, int, int], dpi: int
) -> bool:
    """Whether the print between two figures' print (`figure_print` of boxes `before` and `after`
    on one line) is a decimal point: its largest mark a dot standing on the line the digits stand
    on, and any other mark a speck, a quarter of its ink or less. A colon is two dots alike, one
    above the other. On a stamped scan a speck above 2.8's point made the recogniser read 2:8."""
    left, _around, first = _figure_runs(image, before, dpi)
    right_from, _around, second = _figure_runs(image, after, dpi)
    if not first or not second:
        return False
    x0, x1 = left + first[-1].right + 1, right_from + second[0].left
    if x1 <= x0:
        return False
    # Rows of the page: each figure's runs count from the top of its own box.
    base = max(max(run.bottom for run in runs) + box[1] for runs, box in ((first, before), (second, after)))
    digit_top = min(min(run.top for run in runs) + box[1] for runs, box in ((first, before), (second, after)))
    tall = base - digit_top + 1
    top = min(before[1], after[1])
    between = (image[top : max(before[3], after[3]), x0:x1] < 128).astype(np.uint8)
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(between, connectivity=8)
    marks = sorted(stats[1:count].tolist(), key=lambda mark: -mark[cv2.CC_STAT_AREA])
    if not marks:
        return False
    _x, mark_top, _w, height, area = marks[0]
    on_the_line = abs(top + mark_top + height - 1 - base) <= 0.15 * tall and height <= 0.35 * tall
    return on_the_line and all(other[cv2.CC_STAT_AREA] <= area / 4 for other in marks[1:])


def glyph_before(
    image: np.ndarray, box: tuple[int, int, int, int], dpi: int, faint: int = FAINT
) -> np.ndarray | None:
    """The glyph printed before a figure's print (`figure_print`) on its line, less than an em from
    its first digit, as a cell's print takes in a light glyph (`_light_glyphs`: darker than FAINT,
    level with the digits, LIGHT_GLYPH full stops of ink or more), cut to its ink with two pixels
    around it and its darkest made black (for `signs.comparison_sign`); None when there is none.
    A figure the reading found first on its line with such a glyph before it was read without
    it: at 200 dpi the grey > of >520家 was left out of the reading 520家. `faint` is the lightest
    grey taken for ink."""
    left, _around, kept = _figure_runs(image, box, dpi)
    if not kept:
        return None
    x0, y0, _x1, y1 = box
    # Before the recogniser's box as well: a digit in it that `_digit_runs` left out as a mark
    # beside the others (a 5 a seal's speck made taller) is no glyph the reading left out.
    digits_left = min(x0, left + kept[0].left)
    em = y1 - y0
    region = image[y0:y1, max(0, digits_left - em) : max(0, digits_left)]
    if not region.size:
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        (region <= faint).astype(np.uint8), connectivity=8
    )
    big = [
        label
        for label in range(1, count)
        if stats[label][cv2.CC_STAT_AREA] >= LIGHT_GLYPH * least_print(dpi)
        and stats[label][cv2.CC_STAT_HEIGHT] >= em / 4
    ]
    if not big:
        return None
    # The glyph: every mark of a full stop's ink or more from the first such mark on (a ≥'s bar
    # apart from its chevron is part of it: taken alone, the chevron is a >).
    start = min(stats[label][cv2.CC_STAT_LEFT] for label in big)
    marks = [
        label
        for label in range(1, count)
        if stats[label][cv2.CC_STAT_AREA] >= least_print(dpi) and stats[label][cv2.CC_STAT_LEFT] >= start
    ]
    inked = np.isin(labels, marks)
    rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    cut = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    if faint > FAINT:  # strokes lighter than the sign's own grey count as much as the darkest
        return framed(np.where(inked[cut], 0, 255).astype(np.uint8), 2)
    # Paper the ink encloses is a stroke's lighter middle: keystoned at 300 dpi, the strokes of a
    # grey > came out hollow, two runs in every column, and told no sign. (Closing the gaps instead
    # joined a ≥'s bar to its chevron: a >.)
    glyph = np.where(inked[cut], region[cut], 255)
    darkest = int(glyph.min())
    glyph[_enclosed(inked[cut])] = darkest
    stretched = (glyph.astype(np.int32) - darkest) * 255 // max(1, 255 - darkest)
    return framed(np.clip(stretched, 0, 255).astype(np.uint8), 2)


def _enclosed(ink: np.ndarray) -> np.ndarray:
    """The paper of `ink` that the ink surrounds, out of reach from the crop's edge."""
    paper = np.pad(~ink, 1, constant_values=True).astype(np.uint8)
    _, labels = cv2.connectedComponents(paper, connectivity=4)
    enclosed: np.ndarray = ((paper > 0) & (labels != labels[0, 0]))[1:-1, 1:-1]
    return enclosed


def dashes_beside(image: np.ndarray, box: tuple[int, int, int, int], dpi: int) -> tuple[int, int]:
    """How many dashes stand in the recogniser's box of a figure before its digits and after them
    (`figure_print`): level bars, flat, at the middle of the digits' height. A page number printed
    `— 8 —` was read 181 on grey paper at 200 dpi, each dash taken for a 1."""
    left, around, kept = _figure_runs(image, box, dpi)
    if not kept:
        return 0, 0
    top = min(run.top for run in kept)
    tall = max(run.bottom for run in kept) - top + 1

    def level_bar(run: InkRun) -> bool:
        high = run.bottom - run.top + 1
        middle = (run.top + run.bottom) / 2 - top
        return (
            high <= 0.25 * tall
            and run.right - run.left + 1 >= 2 * high
            and 0.3 * tall <= middle <= 0.7 * tall
        )

    inside = [run for run in around if box[0] <= left + run.middle <= box[2] and run not in kept]
    before = [run for run in inside if run.right < kept[0].left]
    after = [run for run in inside if run.left > kept[-1].right]
    if not all(level_bar(run) for run in before + after):
        return 0, 0
    return len(before), len(after)


def stop_on_the_line(image: np.ndarray, box: tuple[int, int, int, int], dpi: int) -> bool:
    """Whether a figure's print (`figure_print`) is a mark standing on the line, as a full stop, a
    comma or a 、 does: less than 0.6 as tall as the tallest mark around it, its foot within a fifth
    of that height of the tallest mark's. A digit is as tall as the digits, whatever the type."""
    _left, around, kept = _figure_runs(image, box, dpi)
    others = [run for run in around if run not in kept]
    if not kept or not others:
        return False
    tallest = max(others, key=lambda run: run.bottom - run.top)
    tall = tallest.bottom - tallest.top
    top, foot = min(run.top for run in kept), max(run.bottom for run in kept)
    return foot - top < 0.6 * tall and abs(foot - tallest.bottom) <= 0.2 * tall


def to_print_height(image: np.ndarray, dpi: int, height: int) -> np.ndarray:
    """The image scaled so that its print stands `height` pixels tall."""
    box = print_box(image, dpi)
    printed = (box[3] - box[1] - 4) if box is not None else image.shape[0]
    factor = height / max(1, printed)
    shrinking = factor < 1
    return cv2.resize(
        image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    )


def binarised(image: np.ndarray) -> np.ndarray:
    _, black_white = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return black_white


def framed(image: np.ndarray, margin: int) -> np.ndarray:
    """A white margin around the print, as Tesseract wants it."""
    return cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)


MARGIN = 12  # what read best in the study (docs/ocr-study.md)
# The recogniser reads a line of ideographs far better this tall (pixels) than at the 25–35 pixels
# of 7–10 pt print scanned at 300 dpi.
LINE_HEIGHT = 56
# Grey levels above this are paper to the recogniser: what is left of a seal's red ink in the red
# channel (about 208) and JPEG's halo around it. PP-OCR, unlike Tesseract, reads such faint marks as
# characters (a seal's edge came out as 摄, 房, 司 at the end of a line).
PAPER = 160


# The share of a line's print (darker than 128) that `paper_level` takes for its blackest, and how
# light that may be for the print to count as scanned black: at 300 dpi a line's blackest tenth is
# at 0–20, at 200 dpi at 30–80.
BLACKEST_SHARE = 10
GREY_PRINT = 30


def paper_level(line: np.ndarray) -> int:
    """The grey level above which a line's pixels are paper to the recogniser: PAPER for print
    scanned black; for grey print, as much higher as the line's blackest print is lighter than
    black. Scanned at 200 dpi, print is grey and its thin strokes lighter than PAPER: a ≥ and a %'s
    slash were broken up, and ≥85% read 2850. Print scanned black keeps PAPER: raised by a few
    levels there, a pen's filled-in lines came back and 惠州市科学技术局 was read 州市科学技犬局."""
    ink = line[line < 128]
    if not ink.size:
        return PAPER
    blackest = int(np.percentile(ink, BLACKEST_SHARE))
    if blackest < GREY_PRINT:
        return PAPER
    return blackest + PAPER * (255 - blackest) // 255


# Print spread across its cell (主 要 实 施 内 容 over a wide column) stands several ideographs apart,
# and the recogniser dropped one of its characters (内); set close, ideographs stand less than one
# print height apart, the blank half of a full-width mark included. Such a gap is closed up to
# CLOSED_GAP print heights, still wider than the gap that marks a bracket as full-width
# (`ppocr.FULL_WIDTH_GAP`).
SPREAD_GAP = 1.5
CLOSED_GAP = 0.6


def closed_up(line: np.ndarray) -> np.ndarray:
    """The columns of `line` kept when the wide gaps of spread print are closed up (`SPREAD_GAP`),
    as indexes into its columns: all of them when it has none."""
    rows = np.flatnonzero((line < 128).any(axis=1))
    height = rows[-1] - rows[0] + 1 if rows.size else line.shape[0]
    inked = np.flatnonzero((line <= PAPER).any(axis=0))
    gaps = np.diff(inked) - 1
    wide = np.flatnonzero(gaps > SPREAD_GAP * height)
    keep = np.ones(line.shape[1], dtype=bool)
    for start, gap in zip(inked[wide] + 1, gaps[wide], strict=True):
        keep[start + int(CLOSED_GAP * height) : start + gap] = False
    return np.flatnonzero(keep)


def line_image(crop: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float, np.ndarray]:
    """One line of a cell's print (`box`: x0, top, x1, bottom), faint marks made paper, its wide gaps
    closed up (`closed_up`), scaled up to LINE_HEIGHT if it is smaller, framed; the scale it was
    drawn at, and the columns kept (a point (x, y) of the image is (x0 + columns[(x - MARGIN) /
    scale], top + (y - MARGIN) / scale) in the crop)."""
    x0, top, x1, bottom = box
    line = crop[top:bottom, x0:x1].copy()
    line[line > paper_level(line)] = 255
    columns = closed_up(line)
    line = line[:, columns]
    scale = max(1.0, LINE_HEIGHT / max(1, bottom - top))
    if scale > 1:
        line = cv2.resize(line, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return framed(line, MARGIN), scale, columns


def _glyphs_rejoined(crop: np.ndarray, dark: np.ndarray, bands: list[list[int]]) -> list[list[int]]:
    """Bands of print (`line_boxes`) joined where one glyph spans the rows between them in ink
    darker than paper: on a keystoned sheet at 200 dpi the 5 of a score cell met its bowl only in
    rows lighter than print, and its flag and stem were read 7, its bowl ）. Two lines of print
    have paper between them."""
    if len(bands) < 2:
        return bands
    _, glyphs = cv2.connectedComponents((crop < PAPER).astype(np.uint8), connectivity=8)
    joined = [bands[0]]
    for band in bands[1:]:
        above = np.unique(glyphs[joined[-1][0] : joined[-1][1]][dark[joined[-1][0] : joined[-1][1]]])
        below = np.unique(glyphs[band[0] : band[1]][dark[band[0] : band[1]]])
        if np.intersect1d(above[above > 0], below[below > 0]).size:
            joined[-1] = [joined[-1][0], band[1]]
        else:
            joined.append(band)
    return joined


def line_boxes(crop: np.ndarray, dpi: int) -> list[tuple[int, int, int, int]]:
    """Each line of print in a cell's crop (x0, top, x1, bottom: its ink and two pixels around it),
    top to bottom.

    Lines are separated by rows with (almost) no ink: a speck left by the scanner must not join two
    lines. A band much thinner than the others and close to one is a stroke of a line, not a line
    (一 alone, a comma dropped below), and joins the nearest band; one far from the others is a line
    of its own (a 。 wrapped alone), looked at as tall as a line of print, for the recogniser read it
    into the line above it and lost characters there. A band as tall as two lines is cut where it has
    the least ink.
    """
    dark = _print_mask(crop, dpi)
    per_row = dark.sum(axis=1)
    inked = np.flatnonzero(per_row > 0)
    if not inked.size:
        return []
    bands: list[list[int]] = []
    for row in inked:
        if bands and row - bands[-1][1] <= max(1, dpi // 150):
            bands[-1][1] = int(row) + 1
        else:
            bands.append([int(row), int(row) + 1])
    bands = _glyphs_rejoined(crop, dark, bands)
    tallest = max(bottom - top for top, bottom in bands)
    joined = True
    while joined and len(bands) > 1:
        joined = False
        for index, (top, bottom) in enumerate(bands):
            if bottom - top >= 0.4 * tallest:
                continue
            before = top - bands[index - 1][1] if index > 0 else None
            after = bands[index + 1][0] - bottom if index + 1 < len(bands) else None
            other = index - 1 if after is None or (before is not None and before <= after) else index + 1
            if min(gap for gap in (before, after) if gap is not None) > 0.45 * tallest:
                continue
            low, high = sorted((index, other))
            bands[low : high + 1] = [[bands[low][0], bands[high][1]]]
            joined = True
            break
    typical = float(np.median([bottom - top for top, bottom in bands]))
    split: list[tuple[int, int]] = []
    for top, bottom in bands:
        while bottom - top > 1.7 * typical:
            # the emptiest row of the band's middle part, where two lines touch
            low, high = top + int(0.6 * typical), bottom - int(0.6 * typical)
            cut = low + int(np.argmin(per_row[low:high])) if high > low else (top + bottom) // 2
            split.append((top, cut))
            top = cut
        split.append((top, bottom))
    height, width = crop.shape
    boxes: list[tuple[int, int, int, int]] = []
    above = 0  # the bottom of the line before
    for top, bottom in split:
        columns = np.flatnonzero(dark[top:bottom].any(axis=0))
        if columns.size:
            x0, x1 = max(0, int(columns[0]) - 2), min(width, int(columns[-1]) + 3)
            # a line of one small mark (。) keeps its place low in a line of print's height
            seen_from = max(above, min(top, bottom - tallest))
            boxes.append((x0, max(0, seen_from - 2), x1, min(height, bottom + 2)))
        above = bottom + 1
    return boxes

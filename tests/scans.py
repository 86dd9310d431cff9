"""Turn a text PDF into a deterministic stamped scan: an image-only PDF, as offices publish them.

Every page is rendered with PDFium at the given dpi; a red official seal (公章) is pressed on the
department name and another on the first amount in a table; then the sheet is skewed a little, blurred
like scanner optics, speckled with noise, and JPEG-encoded into a PDF of the original page size that
has no text layer. Where the seals go comes from the source PDF's own words (pdfplumber), never from
coordinates written here. The same arguments always give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

MAX_ROTATION = 1.5
# A real 公章 is 40–42 mm across; the finance seal pressed on an amount is usually smaller.
DEPARTMENT_SEAL_MM = 40.0
AMOUNT_SEAL_MM = 32.0
SEAL_RED = np.array([200, 24, 36], dtype=np.float32) / 255.0
SEAL_OPACITY = 0.85
JPEG_QUALITY = 85
_LABELS = ("部门名称", "单位名称")
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")
_CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)


@dataclass(frozen=True)
class Seal:
    """Where one seal is pressed: on page `page` (0-based), centred on `centre_pt` (PDF points, origin
    top left as pdfplumber gives them), over `text`."""

    page: int
    centre_pt: tuple[float, float]
    diameter_mm: float
    target: str  # "department" or "amount"
    text: str


def scan_point(
    point_pt: tuple[float, float],
    page_size_pt: tuple[float, float],
    image_size_px: tuple[int, int],
    rotation_degrees: float,
) -> tuple[float, float]:
    """Where a point of the source page (points, origin top left) lands in the scanned image.

    The page is scaled to the image, then turned counter-clockwise by `rotation_degrees` about the
    image centre, as PIL's `Image.rotate` does.
    """
    width_px, height_px = image_size_px
    x = point_pt[0] * width_px / page_size_pt[0]
    y = point_pt[1] * height_px / page_size_pt[1]
    cx, cy = width_px / 2, height_px / 2
    theta = math.radians(rotation_degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    return (cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos)


def locate_seals(source_pdf: Path) -> list[Seal]:
    """The department seal over the value after 部门名称/单位名称 (or, on a report, over the title's first
    line) and the amount seal over the first amount inside a ruled table."""
    seals: list[Seal] = []
    with pdfplumber.open(source_pdf) as pdf:
        department = _department_seal(pdf)
        if department is not None:
            seals.append(department)
        amount = _amount_seal(pdf)
        if amount is not None:
            seals.append(amount)
    return seals


def _department_seal(pdf: Any) -> Seal | None:
    for index, page in enumerate(pdf.pages):
        words = page.extract_words(return_chars=True)
        for word in words:
            label = next((name for name in _LABELS if name in word["text"]), None)
            if label is None:
                continue
            # The value is either the rest of this word (部门名称：…) or the words right of it on its line.
            start = word["text"].index(label) + len(label)
            chars = [c for c in word["chars"][start:] if c["text"] not in "：: "]
            if not chars:
                chars = [
                    c
                    for other in words
                    if other["x0"] > word["x1"] and abs(other["top"] - word["top"]) < 3
                    for c in other["chars"]
                ]
            if chars:
                return _seal_over(index, chars, DEPARTMENT_SEAL_MM, "department")
    # A report has no label: its department opens the title, the largest type on the first page.
    chars = pdf.pages[0].chars
    if not chars:
        return None
    biggest = max(c["size"] for c in chars)
    title = [c for c in chars if c["size"] >= biggest - 0.1]
    first_line = [c for c in title if abs(c["top"] - title[0]["top"]) < biggest / 2]
    return _seal_over(0, first_line, DEPARTMENT_SEAL_MM, "department")


def _amount_seal(pdf: Any) -> Seal | None:
    for index, page in enumerate(pdf.pages):
        tables = [table.bbox for table in page.find_tables()]
        for word in page.extract_words(return_chars=True):
            if not _AMOUNT.fullmatch(word["text"]):
                continue
            x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
            if any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in tables):
                return _seal_over(index, word["chars"], AMOUNT_SEAL_MM, "amount")
    return None


def _seal_over(page: int, chars: list[dict[str, Any]], diameter_mm: float, target: str) -> Seal:
    x0 = min(c["x0"] for c in chars)
    x1 = max(c["x1"] for c in chars)
    top = min(c["top"] for c in chars)
    bottom = max(c["bottom"] for c in chars)
    text = "".join(c["text"] for c in chars)
    return Seal(page, ((x0 + x1) / 2, (top + bottom) / 2), diameter_mm, target, text)


def _cjk_font(size: int) -> ImageFont.FreeTypeFont | None:
    for path in _CJK_FONTS:
        if path.exists():
            # Index 2 of Noto's CJK collections is the Simplified Chinese face.
            return ImageFont.truetype(str(path), size, index=2)
    return None


def _seal_ink(diameter_px: int, text: str, rng: np.random.Generator) -> np.ndarray:
    """The seal's ink coverage (0–1) on a square of `diameter_px`: ring, star, arc text, uneven ink."""
    size = diameter_px + 4
    radius = diameter_px / 2
    centre = size / 2
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, round(radius * 0.07))
    draw.ellipse((2, 2, size - 3, size - 3), outline=255, width=ring)
    star = [
        (
            centre + radius * (0.30 if k % 2 == 0 else 0.12) * math.sin(math.pi * k / 5),
            centre - radius * (0.30 if k % 2 == 0 else 0.12) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=255)
    glyph_size = max(6, round(radius * 0.22))
    font = _cjk_font(glyph_size)
    letters = [ch for ch in text if not ch.isspace()][:16]
    if font is not None and letters:
        sweep = math.radians(min(250.0, 18.0 * len(letters)))
        for k, letter in enumerate(letters):
            # Letters run clockwise over the top, each upright towards the centre.
            angle = -sweep / 2 + sweep * (k + 0.5) / len(letters)
            glyph = Image.new("L", (glyph_size * 2, glyph_size * 2), 0)
            ImageDraw.Draw(glyph).text((glyph_size, glyph_size), letter, fill=255, font=font, anchor="mm")
            glyph = glyph.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC)
            gx = centre + radius * 0.70 * math.sin(angle) - glyph_size
            gy = centre - radius * 0.70 * math.cos(angle) - glyph_size
            mask.paste(255, (round(gx), round(gy)), glyph)
    mask = mask.rotate(float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC)
    ink = np.asarray(mask, dtype=np.float32) / 255.0
    # Uneven pressure: a smooth field between 0.6 and 1, and a few bare specks.
    coarse = rng.uniform(0.6, 1.0, size=(8, 8)).astype(np.float32)
    field = np.asarray(
        Image.fromarray((coarse * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC),
        dtype=np.float32,
    )
    ink *= field / 255.0
    ink[rng.random(ink.shape) < 0.04] *= 0.3
    clipped: np.ndarray = np.clip(ink, 0.0, 1.0)
    return clipped


def _press(page: np.ndarray, ink: np.ndarray, centre_px: tuple[float, float]) -> None:
    """Multiply red ink into the RGB page (black print stays black under it, as under a real seal)."""
    height, width = page.shape[:2]
    size = ink.shape[0]
    left, top = round(centre_px[0] - size / 2), round(centre_px[1] - size / 2)
    x0, y0 = max(0, left), max(0, top)
    x1, y1 = min(width, left + size), min(height, top + size)
    if x0 >= x1 or y0 >= y1:
        return
    alpha = SEAL_OPACITY * ink[y0 - top : y1 - top, x0 - left : x1 - left, None]
    region = page[y0:y1, x0:x1].astype(np.float32) * (1.0 - alpha * (1.0 - SEAL_RED))
    page[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)


def make_scan(
    source_pdf: Path,
    out_pdf: Path,
    *,
    dpi: int = 200,
    rotation_degrees: float = 1.0,
    noise: float = 0.05,
    stamps: bool = True,
    seed: int = 0,
) -> Path:
    """Write `out_pdf`, an image-only scan of `source_pdf`: one JPEG per page at `dpi`, the page size
    of the original.

    `rotation_degrees` (at most 1.5 either way) turns each sheet counter-clockwise, white filling the
    corners. `noise` is the Gaussian noise's standard deviation as a fraction of full scale (0.05 is
    about 13 grey levels); a twenty-fifth of it is the share of pixels turned to salt or pepper.
    """
    if abs(rotation_degrees) > MAX_ROTATION:
        raise ValueError(f"rotation {rotation_degrees}° is more than a scanner's {MAX_ROTATION}°")
    rng = np.random.default_rng(seed)
    seals = locate_seals(source_pdf) if stamps else []
    department = next((s.text for s in seals if s.target == "department"), "")
    pages: list[tuple[float, float, int, int, bytes]] = []
    source = pdfium.PdfDocument(source_pdf)
    try:
        for index in range(len(source)):
            page = source[index]
            width_pt, height_pt = page.get_size()
            bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)
            pixels = np.array(bitmap.to_numpy()[..., :3])  # RGB, a copy PDFium no longer owns
            height_px, width_px = pixels.shape[:2]
            for seal in (s for s in seals if s.page == index):
                ink = _seal_ink(round(seal.diameter_mm / 25.4 * dpi), department or seal.text, rng)
                x, y = seal.centre_pt
                _press(pixels, ink, (x * width_px / width_pt, y * height_px / height_pt))
            sheet = _scanner(pixels, rotation_degrees, dpi, noise, rng)
            buffer = io.BytesIO()
            Image.fromarray(sheet).save(buffer, "JPEG", quality=JPEG_QUALITY, dpi=(dpi, dpi))
            pages.append((width_pt, height_pt, width_px, height_px, buffer.getvalue()))
    finally:
        source.close()
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    out_pdf.write_bytes(_image_pdf(pages))
    return out_pdf


def _scanner(
    pixels: np.ndarray, rotation_degrees: float, dpi: int, noise: float, rng: np.random.Generator
) -> np.ndarray:
    """Skew (about the centre, as `scan_point` maps), optics blur, then sensor noise and dust."""
    height, width = pixels.shape[:2]
    if rotation_degrees:
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), rotation_degrees, 1.0)
        pixels = cv2.warpAffine(
            pixels, turn, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
        )
    pixels = cv2.GaussianBlur(pixels, (0, 0), 0.5 * dpi / 300)
    if noise <= 0:
        return pixels
    # Luminance noise, the same in the three channels, as a scanner's JPEG keeps mostly that.
    grain = rng.standard_normal((height, width), dtype=np.float32) * (noise * 255.0)
    noisy = pixels.astype(np.int16) + grain.astype(np.int16)[..., None]
    flips = rng.random((height, width), dtype=np.float32)
    share = noise / 25
    noisy[flips < share / 2] = 0
    noisy[flips > 1 - share / 2] = 255
    scanned: np.ndarray = np.clip(noisy, 0, 255).astype(np.uint8)
    return scanned


def _image_pdf(pages: list[tuple[float, float, int, int, bytes]]) -> bytes:
    """A PDF whose pages are each one JPEG filling the page: no fonts, no text, no ID or dates, so the
    same pages give the same bytes."""
    count = len(pages)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(b"%d 0 R" % (3 + 3 * k) for k in range(count))
        + b"] /Count %d >>" % count,
    ]
    for k, (width_pt, height_pt, width_px, height_px, jpeg) in enumerate(pages):
        content, image = 4 + 3 * k, 5 + 3 * k
        draw = b"q %.4f 0 0 %.4f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] " % (width_pt, height_pt)
            + b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (image, content)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d " % (width_px, height_px)
            + b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % len(jpeg)
            + jpeg
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_office_scan(source_pdf: Path, out_pdf: Path, *, dpi: int = 300, quality: int = 60) -> Path:
    """Another scanning routine than `make_scan`, as an office's scanner software writes one: colour
    pages JPEG-compressed at `quality` by PIL's own PDF writer, a red stamp ring where a seal would go
    (a third across, a fifth down), each sheet turned 0.7°, the corners filled with paper colour."""
    pages: list[Image.Image] = []
    for pixels, _ in rendered(source_pdf, dpi):
        image = Image.fromarray(pixels)
        width, height = image.size
        radius = round(DEPARTMENT_SEAL_MM / 25.4 * dpi / 2)
        centre = (width // 3, height // 5)
        ImageDraw.Draw(image).ellipse(
            (centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius),
            outline=(200, 30, 40),
            width=max(3, dpi // 60),
        )
        pages.append(image.rotate(0.7, resample=Image.Resampling.BICUBIC, fillcolor=(250, 248, 240)))
    return write_pdf(pages, out_pdf, dpi, quality)


# --- Scanning conditions: other scanners and other sheets than `make_scan`'s ----------------------
#
# Each condition is another way a sheet reaches a PDF: a scanner's own JPEG, a fax-like 1-bit page,
# grey recycled paper showing the back through, a sheet fed crooked, a signature across the print.
# Placement comes from the source's own words (`locate_seals`), the randomness from the seed: the
# same arguments give the same bytes.

PAPER_GREY = 214  # recycled paper under a scanner's lamp
BLEED_THROUGH = 0.14  # how dark the back's print shows through, as a share of its ink
KEYSTONE_DEGREES = 0.8
FEED_TURN_DEGREES = 1.5
SIGNATURE_BLUE = (24, 52, 168)
SCANNED_AT = time.strptime("2024-04-01", "%Y-%m-%d")  # Pillow writes a struct_time as a PDF date


def rendered(source_pdf: Path, dpi: int) -> list[tuple[np.ndarray, tuple[float, float]]]:
    """Each page as RGB pixels at `dpi`, with its size in points."""
    pages = []
    source = pdfium.PdfDocument(source_pdf)
    try:
        for page in source:
            bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)
            pages.append((np.array(bitmap.to_numpy()[..., :3]), page.get_size()))
    finally:
        source.close()
    return pages


def _grey_with_bleed_through(pixels: np.ndarray, dpi: int) -> np.ndarray:
    """Grey paper, and the back of the sheet (this page mirrored, blurred) showing through."""
    back = cv2.GaussianBlur(255 - pixels[:, ::-1], (0, 0), 1.5 * dpi / 300).astype(np.float32)
    paper = pixels.astype(np.float32) * (PAPER_GREY / 255.0)
    return np.clip(paper - back * BLEED_THROUGH, 0, 255).astype(np.uint8)


def _crooked(pixels: np.ndarray) -> np.ndarray:
    """Fed crooked: the top edge narrower than the bottom (keystone), then the sheet turned."""
    height, width = pixels.shape[:2]
    inset = height * math.tan(math.radians(KEYSTONE_DEGREES)) / 2
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    pulled = np.float32([[inset, 0], [width - inset, 0], [width, height], [0, height]])
    keystoned = cv2.warpPerspective(
        pixels, cv2.getPerspectiveTransform(corners, pulled), (width, height), borderValue=(255, 255, 255)
    )
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), FEED_TURN_DEGREES, 1.0)
    return cv2.warpAffine(keystoned, turn, (width, height), borderValue=(255, 255, 255))


def _signed(pixels: np.ndarray, centre_px: tuple[float, float], dpi: int, rng: np.random.Generator) -> None:
    """A ballpoint signature in blue across the point: a few looping strokes, about 45 mm wide."""
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    span = 45 / 25.4 * dpi
    x, y = centre_px[0] - span / 2, centre_px[1]
    for _ in range(3):
        points = []
        for step in np.linspace(0, 1, 40):
            points.append(
                (x + step * span / 3, y + math.sin(step * 4 * math.pi) * span / 10 + rng.normal(0, dpi / 150))
            )
        draw.line(points, fill=SIGNATURE_BLUE, width=max(2, dpi // 100), joint="curve")
        x += span / 3
    pixels[...] = np.asarray(image)


def write_pdf(sheets: list[Image.Image], out_pdf: Path, dpi: int, quality: int = 75) -> Path:
    """One image a page: JPEG for colour sheets, CCITT G4 (Pillow's choice for 1-bit) for fax-like ones;
    a fixed title and dates, so the same sheets give the same bytes."""
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"title": "scan", "creationDate": SCANNED_AT, "modDate": SCANNED_AT}
    if sheets[0].mode != "1":
        options["quality"] = quality
    sheets[0].save(out_pdf, "PDF", resolution=dpi, save_all=True, append_images=sheets[1:], **options)
    return out_pdf


def scan_under(condition: str, source_pdf: Path, out_pdf: Path, *, dpi: int, seed: int = 0) -> Path:
    """`source_pdf` scanned under one of CONDITIONS at `dpi`."""
    if condition == "stamped":
        return make_scan(source_pdf, out_pdf, dpi=dpi, seed=seed)
    if condition == "colour-jpeg-q60":
        return make_office_scan(source_pdf, out_pdf, dpi=dpi, quality=60)
    rng = np.random.default_rng(seed)
    department = next((s for s in locate_seals(source_pdf) if s.target == "department"), None)
    sheets = []
    for index, (pixels, (width_pt, height_pt)) in enumerate(rendered(source_pdf, dpi)):
        height_px, width_px = pixels.shape[:2]
        if condition == "fax-g4":
            grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
            _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            sheets.append(Image.fromarray(ink).convert("1", dither=Image.Dither.NONE))
            continue
        if condition == "grey-bleed-through":
            pixels = _grey_with_bleed_through(pixels, dpi)
        elif condition == "keystone":
            pixels = _crooked(pixels)
        elif condition == "signature-over-text":
            if department is not None and department.page == index:
                x, y = department.centre_pt
                _signed(pixels, (x * width_px / width_pt, y * height_px / height_pt), dpi, rng)
        else:
            raise ValueError(f"no scanning condition {condition!r}: {', '.join(CONDITIONS)}")
        sheets.append(Image.fromarray(pixels))
    return write_pdf(sheets, out_pdf, dpi)


# A red seal over the department and over an amount (`make_scan`), and the five others.
CONDITIONS = ("stamped", "colour-jpeg-q60", "fax-g4", "grey-bleed-through", "keystone", "signature-over-text")

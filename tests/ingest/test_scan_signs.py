"""A comparison sign alone in a cell (指标性质) read from its strokes (`ingest/scan/signs.py`):
every sign as the CJK faces print it, and nothing else taken for one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest.scan.signs import comparison_sign
from tests.conftest import SAMPLE_FILES

FAMILY = Path(__file__).resolve().parents[1] / "fixtures" / "family"
SCAN_LINES = Path(__file__).resolve().parents[1] / "fixtures" / "scan_lines"
NOTO = Path("/usr/share/fonts/opentype/noto")
FACES = [
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJK-Bold.ttc",
    "NotoSerifCJK-Regular.ttc",
    "NotoSerifCJK-Bold.ttc",
]
SIGNS = {
    "≥": "≥",
    "≤": "≤",
    "≧": "≥",
    "≦": "≤",
    "=": "=",
    ">": ">",
    "<": "<",
    "＝": "=",
    "＞": ">",
    "＜": "<",
}

pytestmark = pytest.mark.skipif(not (NOTO / FACES[0]).exists(), reason="needs fonts-noto-cjk")


def printed_alone(character: str, face: str, points: float, dpi: int = 300) -> np.ndarray:
    """`character` printed alone, cut to its print and two pixels around it, as `cell_print` gives a
    cell's print."""
    size = round(points / 72 * dpi)
    font = ImageFont.truetype(str(NOTO / face), size, index=2)  # the SC faces
    sheet = Image.new("L", (3 * size, 3 * size), 255)
    ImageDraw.Draw(sheet).text((size, size), character, font=font, fill=0)
    pixels = np.array(sheet)
    rows, columns = np.nonzero(pixels < 128)
    return pixels[rows.min() - 2 : rows.max() + 3, columns.min() - 2 : columns.max() + 3]


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("points", [9, 10.5, 12, 14])
def test_each_sign_is_read_as_itself(face: str, points: float) -> None:
    """Sans and serif, regular and bold: the sans ≥ is ⩾-shaped (its bar slanted), the serif's level;
    ≧ and ≦ (two bars under the chevron) are ≥ and ≤, as the text layer's normaliser spells them."""
    read = {character: comparison_sign(printed_alone(character, face, points), 300) for character in SIGNS}
    assert read == SIGNS


def _characters_of_the_documents() -> list[str]:
    """Every character the bundled samples and family documents print, signs aside."""
    found: set[str] = set()
    for pdf in [*SAMPLE_FILES.values(), *sorted(FAMILY.rglob("*.pdf"))]:
        document = pdfium.PdfDocument(pdf)
        for page in document:
            found.update(page.get_textpage().get_text_bounded())
        document.close()
    return sorted(character for character in found if character.strip() and character not in SIGNS)


def test_no_other_character_of_the_documents_is_taken_for_a_sign() -> None:
    """Their ideographs (人, 八, 二, 三), digits, letters and marks, printed alone in each face."""
    characters = _characters_of_the_documents()
    assert len(characters) > 500
    taken = [
        (character, face, sign)
        for face in ("NotoSansCJK-Regular.ttc", "NotoSerifCJK-Bold.ttc")  # the thinnest strokes, the boldest
        for character in characters
        if (sign := comparison_sign(printed_alone(character, face, 10.5), 300)) is not None
    ]
    assert taken == []


def test_signs_as_a_stamped_scan_printed_them() -> None:
    """Off a stamped 300-dpi scan of 天河's self-evaluation table: a ≥ whose bar a speck touches,
    and a 人 (its legs one stroke in every column, yet no bar)."""
    read = {
        name: comparison_sign(cv2.imread(str(SCAN_LINES / f"{name}.png"), cv2.IMREAD_GRAYSCALE), 300)
        for name in ("sign_ge_beside_a_speck_stamped_300", "ideograph_ren_stamped_300")
    }
    assert read == {"sign_ge_beside_a_speck_stamped_300": "≥", "ideograph_ren_stamped_300": None}


def test_a_sign_with_more_beside_it_is_no_sign() -> None:
    """≥90 or = with a mark beside it is print for the recogniser, not a sign alone."""
    assert comparison_sign(printed_alone("≥9", FACES[0], 10.5), 300) is None
    assert comparison_sign(printed_alone("=。", FACES[0], 10.5), 300) is None

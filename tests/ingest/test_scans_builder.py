"""The scan builder (`tests/scans.py`): an image-only PDF of the source's pages, with red seals where
the source's own words put them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest

from tests.conftest import SAMPLE_FILES
from tests.scans import CONDITIONS, locate_seals, make_scan, scan_point, scan_under
from tests.truth_fields import TRUTH

DPI = 150
ROTATION = 1.0
SCANNED = ("huangpu_2023_dept_target_form", "huangpu_2022_self_evaluation")


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scans")
    return {
        name: make_scan(
            SAMPLE_FILES[name],
            folder / f"{name}.pdf",
            dpi=DPI,
            rotation_degrees=ROTATION,
            noise=0.05,
            stamps=True,
            seed=7,
        )
        for name in SCANNED
    }


def _page_images(pdf_path: Path) -> list[np.ndarray]:
    """Each page's one embedded image as RGB, as a reader of the scan gets it."""
    document = pdfium.PdfDocument(pdf_path)
    try:
        images = []
        for page in document:
            objects = list(page.get_objects())
            assert len(objects) == 1 and objects[0].type == pdfium.raw.FPDF_PAGEOBJ_IMAGE
            images.append(np.asarray(objects[0].get_bitmap(render=False).to_pil().convert("RGB")))
        return images
    finally:
        document.close()


def _red(pixels: np.ndarray) -> np.ndarray:
    red, green, blue = (pixels[..., k].astype(int) for k in range(3))
    mask: np.ndarray = (red > 140) & (red - green > 70) & (red - blue > 60)
    return mask


@pytest.mark.parametrize("name", SCANNED)
def test_a_scan_has_no_text_layer_and_the_pages_of_its_source(scans: dict[str, Path], name: str) -> None:
    with pdfplumber.open(SAMPLE_FILES[name]) as source, pdfplumber.open(scans[name]) as scan:
        assert len(scan.pages) == len(source.pages)
        for scanned, original in zip(scan.pages, source.pages, strict=True):
            assert scanned.chars == []
            assert scanned.extract_text() == ""
            assert len(scanned.images) == 1
            assert scanned.width == pytest.approx(original.width, abs=0.01)
            assert scanned.height == pytest.approx(original.height, abs=0.01)
    for image, original_size in zip(_page_images(scans[name]), _sizes(SAMPLE_FILES[name]), strict=True):
        # One pixel per 1/DPI inch of the original (PDFium rounds a part pixel up).
        assert abs(image.shape[1] - original_size[0] * DPI / 72) < 1
        assert abs(image.shape[0] - original_size[1] * DPI / 72) < 1


def _sizes(pdf_path: Path) -> list[tuple[float, float]]:
    with pdfplumber.open(pdf_path) as pdf:
        return [(float(page.width), float(page.height)) for page in pdf.pages]


@pytest.mark.parametrize("name", SCANNED)
def test_the_seals_are_red_over_the_department_and_an_amount(scans: dict[str, Path], name: str) -> None:
    truth = json.loads((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8"))
    seals = locate_seals(SAMPLE_FILES[name])
    assert [seal.target for seal in seals] == ["department", "amount"]
    department, amount = seals
    # The department seal sits on the department's name (a report's title opens with it, wrapped).
    assert truth["department"].startswith(department.text) or department.text in truth["department"]
    assert len(department.text) >= 8
    printed = float(amount.text.replace(",", ""))
    expected = [line["amount_wan_yuan"] for line in truth.get("budget_lines", [])]
    expected += [row["score"] for row in truth.get("scores", [])]
    assert printed in expected

    images = _page_images(scans[name])
    sizes = _sizes(SAMPLE_FILES[name])
    for seal in seals:
        image = images[seal.page]
        x, y = scan_point(seal.centre_pt, sizes[seal.page], (image.shape[1], image.shape[0]), ROTATION)
        # The star at the seal's centre is solid ink: most of a small disc there is red.
        reach = round(0.04 * seal.diameter_mm / 25.4 * DPI)
        window = image[round(y) - reach : round(y) + reach + 1, round(x) - reach : round(x) + reach + 1]
        assert _red(window).mean() > 0.5, (seal, _red(window).mean())
        # The ring is red too, a radius away (the seal is turned, but a ring is a ring).
        radius = seal.diameter_mm / 2 / 25.4 * DPI
        ring = [
            (round(y + radius * 0.96 * np.sin(t)), round(x + radius * 0.96 * np.cos(t)))
            for t in np.linspace(0, 2 * np.pi, 72, endpoint=False)
        ]
        inside = [(r, c) for r, c in ring if 0 <= r < image.shape[0] and 0 <= c < image.shape[1]]
        hits = sum(bool(_red(image[r - 2 : r + 3, c - 2 : c + 3]).any()) for r, c in inside)
        assert hits >= 0.8 * len(inside)


def test_without_stamps_no_page_has_red_and_the_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    source = SAMPLE_FILES["huangpu_2023_dept_target_form"]
    first = make_scan(
        source, tmp_path / "a.pdf", dpi=100, rotation_degrees=-0.7, noise=0.05, stamps=False, seed=3
    )
    again = make_scan(
        source, tmp_path / "b.pdf", dpi=100, rotation_degrees=-0.7, noise=0.05, stamps=False, seed=3
    )
    assert first.read_bytes() == again.read_bytes()
    for image in _page_images(first):
        assert _red(image).mean() < 1e-4


def test_a_scanner_does_not_turn_a_sheet_more_than_a_degree_and_a_half(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rotation"):
        make_scan(
            SAMPLE_FILES["huangpu_2023_dept_target_form"], tmp_path / "x.pdf", dpi=72, rotation_degrees=2.0
        )


@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_scanning_condition_gives_an_image_only_pdf_of_the_source_and_repeats(
    tmp_path: Path, condition: str
) -> None:
    source = SAMPLE_FILES["huangpu_2023_dept_target_form"]
    first = scan_under(condition, source, tmp_path / "a.pdf", dpi=100, seed=5)
    again = scan_under(condition, source, tmp_path / "b.pdf", dpi=100, seed=5)
    assert first.read_bytes() == again.read_bytes()
    with pdfplumber.open(first) as scan, pdfplumber.open(source) as printed:
        assert len(scan.pages) == len(printed.pages)
        assert all(not page.chars and len(page.images) == 1 for page in scan.pages)


def test_a_fax_like_scan_is_one_bit_g4(tmp_path: Path) -> None:
    scan = scan_under("fax-g4", SAMPLE_FILES["huangpu_2023_dept_target_form"], tmp_path / "fax.pdf", dpi=100)
    with pdfplumber.open(scan) as pdf:
        image = pdf.pages[0].images[0]
        assert image["bits"] == 1 and "CCITTFaxDecode" in str(image["stream"].get("Filter"))

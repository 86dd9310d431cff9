"""How well Tesseract (chi_sim) reads stamped scans of the four samples: the study behind
docs/ocr-study.md, for the issue "Scanned documents".

    .venv/bin/python bench/study_ocr.py [--dpi 150 200 300] [--docs NAME ...] [--out /tmp/ocr-study]

Each sample is scanned by `tests/scans.py` (rotation 1.0°, seals, noise 0.05, fixed seed), and each
scan is read back as a future ingest would, knowing nothing of the source:

1. the page's one image is taken out of the PDF (dpi = pixels / page width);
2. red seal ink is removed (default: the red channel as the grey image; compared with an HSV mask
   painted white, and with no removal);
3. the skew is estimated from the page itself (projection profile of the dark pixels, coarse then
   fine; compared with a Hough transform of the long horizontal rulings) and undone;
4. the ruling lines are found by morphology (an opening with a 1/3-inch line), and every region the
   lines enclose is a cell;
5. every non-empty cell is read with chi_sim (psm 6); a cell whose reading has digits and no CJK is a
   number cell and is read again, line mode (psm 7) with the whitelist `0123456789.,-`, by eng and by
   chi_sim. Amounts are accepted only in the printed form (thousands separators, two decimals, or a
   plain small number).

The source PDF is used only to score: each truth amount's printed word (pdfplumber) is mapped through
the known scan rotation and the estimated deskew to the cell that holds it, and each cell's expected
text is the source characters that land in it. Every (document, dpi) runs in its own process so that
its peak memory is its own. Results go to OUT/*.json; the tables are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per Tesseract; two documents run side by side

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.scan.image import skew_of, without_dust  # noqa: E402
from tests.conftest import SAMPLE_FILES, TRUTH  # noqa: E402
from tests.scans import make_scan, scan_point  # noqa: E402

ROTATION = 1.0
NOISE = 0.05
SEED = 2023
DIGITS = "0123456789.,-"
TESSDATA = os.environ.get("TESSDATA_PREFIX", "/usr/share/tesseract-ocr/5/tessdata/")
# The printed forms of an amount: 364,607.20 / 0.00 / 45.07 / 9.5 / 15 (a score).
PRINTED = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,4})(?:\.\d{1,2})?")
CJK = re.compile(r"[\u3400-\u9fff]")


# --- reading a scan ---------------------------------------------------------------------------------


def page_images(pdf_path: Path) -> list[tuple[np.ndarray, tuple[float, float]]]:
    """Each page's one image (RGB) and the page size in points."""
    document = pdfium.PdfDocument(pdf_path)
    try:
        pages = []
        for page in document:
            (image,) = list(page.get_objects())
            pixels = np.asarray(image.get_bitmap(render=False).to_pil().convert("RGB"))
            pages.append((pixels, page.get_size()))
        return pages
    finally:
        document.close()


def unred(rgb: np.ndarray, method: str) -> np.ndarray:
    """A grey page without the seal: `rchan` reads the red channel (red ink is near white in it, black
    print stays black); `hsv` paints the red-hued, saturated pixels white; `none` is plain luminance."""
    if method == "rchan":
        return np.ascontiguousarray(rgb[..., 0])
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if method == "hsv":
        hue, saturation, value = cv2.split(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV))
        red = ((hue <= 12) | (hue >= 165)) & (saturation >= 50) & (value >= 90)
        grey[red] = 255
    return grey


def skew_by_projection(grey: np.ndarray) -> float:
    """The page's skew (degrees, counter-clockwise): the turn `ingest.scan.image.skew_of` undoes."""
    return -skew_of(grey)


def skew_by_hough(grey: np.ndarray, dpi: int) -> float | None:
    """The median angle of the long, near-horizontal rulings (None on a page without any)."""
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (dpi // 4, 1)))
    width = grey.shape[1]
    lines = cv2.HoughLinesP(
        ink, 1, np.pi / 3600, threshold=200, minLineLength=width // 4, maxLineGap=dpi // 30
    )
    if lines is None:
        return None
    angles = [
        np.degrees(np.arctan2(y2 - y1, x2 - x1))
        for x1, y1, x2, y2 in lines.reshape(-1, 4)
        if abs(np.degrees(np.arctan2(y2 - y1, x2 - x1))) < 3
    ]
    return -float(np.median(angles)) if angles else None


def deskew(grey: np.ndarray, skew: float) -> tuple[np.ndarray, np.ndarray]:
    """The page turned back by `skew`, and the 2×3 matrix from scan pixels to the turned page."""
    height, width = grey.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), -skew, 1.0)
    flat = cv2.warpAffine(grey, turn, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)
    return flat, turn


@dataclass
class Cell:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the deskewed page
    text: str = ""  # chi_sim psm 6
    amount: str | None = None  # the accepted printed amount, or None
    readings: dict[str, str] = field(default_factory=dict)
    expected: str = ""


def find_cells(grey: np.ndarray, dpi: int) -> tuple[list[Cell], np.ndarray]:
    """Regions enclosed by ruling lines (an opening with a 1/3-inch line finds them: longer than any
    stroke of 7–16 pt type), and the label map (cell index + 1, 0 outside every cell)."""
    clean = cv2.medianBlur(grey, 3)
    block = (dpi // 5) | 1
    ink = cv2.adaptiveThreshold(clean, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 10)
    reach = dpi // 3
    across = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 1)))
    down = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, reach)))
    # Bridge the gaps a faint stretch of ruling leaves, so that a cell does not leak into the next.
    bridge = max(3, dpi // 10)
    across = cv2.morphologyEx(across, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    down = cv2.morphologyEx(down, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    grid = cv2.dilate(across | down, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(255 - grid, connectivity=4)
    height, width = grey.shape
    smallest = dpi // 15
    cells: list[Cell] = []
    keep = np.zeros(count, dtype=np.int32)
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        if x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # the page around the tables
        if w < smallest or h < smallest or w * h > 0.5 * width * height:
            continue
        cells.append(Cell((int(x), int(y), int(x + w), int(y + h))))
        keep[label] = len(cells)
    return cells, keep[labels]


# --- Tesseract ----------------------------------------------------------------------------------------


class Reader:
    """One tesserocr engine per setting, loaded on first use and kept (a process per cell, as the
    tesseract command line would be, loads chi_sim every time)."""

    SETTINGS: ClassVar[dict[str, tuple[str, str, str | None]]] = {
        "zh6": ("chi_sim", "SINGLE_BLOCK", None),
        "zh7": ("chi_sim", "SINGLE_LINE", None),
        "zh7d": ("chi_sim", "SINGLE_LINE", DIGITS),
        "en7d": ("eng", "SINGLE_LINE", DIGITS),
        "zh3": ("chi_sim", "AUTO", None),
    }

    def __init__(self) -> None:
        self.engines: dict[str, Any] = {}

    def read(self, engine: str, image: np.ndarray) -> str:
        if engine not in self.engines:
            from tesserocr import OEM, PSM, PyTessBaseAPI

            lang, psm, whitelist = self.SETTINGS[engine]
            api = PyTessBaseAPI(path=TESSDATA, lang=lang, psm=getattr(PSM, psm), oem=OEM.LSTM_ONLY)
            api.SetVariable("user_defined_dpi", "300")
            if whitelist:
                api.SetVariable("tessedit_char_whitelist", whitelist)
            self.engines[engine] = api
        api = self.engines[engine]
        api.SetImage(Image.fromarray(image))
        return str(api.GetUTF8Text()).strip()


def clean(crop: np.ndarray, dpi: int) -> np.ndarray:
    """Dust out of a grey crop (`ingest.scan.image.without_dust`; `dpi` for the preparations' shape)."""
    return without_dust(crop)


def trim(crop: np.ndarray, dpi: int) -> np.ndarray:
    """The crop cut to its print (components of a few pixels and more), two pixels around it: a word in
    the middle of a wide, speckled cell otherwise often comes back empty."""
    ink = (crop < 150).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= max(3, 4 * (dpi / 150) ** 2))
    big = big[big > 0]
    if not big.size:
        return crop
    ys, xs = np.nonzero(np.isin(labels, big))
    return crop[max(0, ys.min() - 2) : ys.max() + 3, max(0, xs.min() - 2) : xs.max() + 3]


def prepare(crop: np.ndarray, dpi: int, how: str) -> np.ndarray:
    """Steps joined by '+': `grey` (the crop as it is), `clean`, `trim`, `up` / `up450` (cubic scaling to
    300 / 450 dpi), `fix` (binarised at 150: in the red channel a seal's ghost is lighter), `otsu`.
    A white margin around the result, as Tesseract wants."""
    image = crop
    for step in how.split("+"):
        if step == "clean":
            image = clean(image, dpi)
        elif step == "trim":
            image = trim(image, dpi)
        elif step.startswith("up"):
            target = int(step[2:] or 300)
            if dpi < target:
                image = cv2.resize(
                    image, None, fx=target / dpi, fy=target / dpi, interpolation=cv2.INTER_CUBIC
                )
        elif step == "fix":
            image = np.where(image < 150, 0, 255).astype(np.uint8)
        elif step == "otsu":
            _, image = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return cv2.copyMakeBorder(image, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255)


def cell_crop(grey: np.ndarray, labels: np.ndarray, number: int, cell: Cell, dpi: int) -> np.ndarray | None:
    """The cell's region, everything else in its box (rulings, a neighbour's corner) white; None when
    nothing is printed in it."""
    x0, y0, x1, y1 = cell.box
    crop = grey[y0:y1, x0:x1].copy()
    crop[labels[y0:y1, x0:x1] != number + 1] = 255
    dark = clean(crop, dpi) < 128
    return crop if dark.sum() >= (dpi / 60) ** 2 else None


def strict_amount(text: str) -> str | None:
    squeezed = re.sub(r"\s+", "", text)
    return squeezed if PRINTED.fullmatch(squeezed) else None


def numberish(text: str) -> bool:
    """Whether chi_sim, reading freely, saw nothing in the cell but digits, separators and a sign: only
    such a cell is read again for an amount (a target such as ≥40% is not an amount)."""
    squeezed = re.sub(r"\s+", "", text)
    return bool(squeezed) and set(squeezed) <= set(DIGITS) and any(c.isdigit() for c in squeezed)


# --- scoring ------------------------------------------------------------------------------------------


def truth_amounts(truth: dict[str, Any]) -> list[float]:
    values = [line["amount_wan_yuan"] for line in truth.get("budget_lines", [])]
    values += [task["funds_wan_yuan"] for task in truth.get("key_tasks", [])]
    for project in truth.get("projects", []):
        values += [
            project[k] for k in ("total", "fiscal", "special_account", "other") if project[k] is not None
        ]
    for score in truth.get("scores", []):
        values += [score[k] for k in ("score", "subtotal") if score[k] is not None]
    return values


def printed_amounts(source: Path, amounts: list[float]) -> list[tuple[int, tuple[float, float], str]]:
    """Every cell of a ruled table in the source whose only word prints one of the truth amounts:
    (page, the word's centre in points, printed text)."""
    wanted = {round(value, 2) for value in amounts}
    found = []
    with pdfplumber.open(source) as pdf:
        for index, page in enumerate(pdf.pages):
            words = page.extract_words()
            for table in page.find_tables():
                for x0, top, x1, bottom in table.cells:
                    inside = [
                        w
                        for w in words
                        if x0 <= (w["x0"] + w["x1"]) / 2 <= x1
                        and top <= (w["top"] + w["bottom"]) / 2 <= bottom
                    ]
                    if len(inside) != 1 or not PRINTED.fullmatch(inside[0]["text"]):
                        continue
                    word = inside[0]
                    if round(float(word["text"].replace(",", "")), 2) in wanted:
                        centre = ((word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2)
                        found.append((index, centre, word["text"]))
    return found


def source_chars(source: Path) -> list[list[tuple[tuple[float, float], str]]]:
    with pdfplumber.open(source) as pdf:
        return [
            [(((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2), c["text"]) for c in page.chars]
            for page in pdf.pages
        ]


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", squeeze(text))


# --- one document at one dpi ----------------------------------------------------------------------------

TEXT = "clean+trim"  # how the pipeline prepares a cell for chi_sim
# Each reading of a number cell: (engine, preparation). The pipeline reads the first three.
AMOUNT_READINGS = [
    ("en7d", "clean+trim"),
    ("en7d", "clean+trim+up450"),
    ("en7d", "clean+trim+up+otsu"),
    ("zh6", "clean+trim"),
    ("zh7d", "clean+trim"),
    ("en7d", "grey"),
    ("en7d", "clean+trim+up"),
    ("en7d", "clean+trim+fix"),
    ("zh7", "clean+trim"),
    ("zh7d", "clean+trim+up450"),
    ("zh6", "grey"),
]
PIPELINE_READINGS = 3
# Rules that turn a cell's readings into an amount or nothing: each names readings that must agree.
EN3 = ["en7d|clean+trim", "en7d|clean+trim+up450", "en7d|clean+trim+up+otsu"]
RULES = {
    "en7d alone": ["en7d|clean+trim"],
    "zh7d alone": ["zh7d|clean+trim"],
    "zh6 alone": ["zh6|clean+trim"],
    "en7d at two scales": EN3[:2],
    "en7d = zh6": ["en7d|clean+trim", "zh6|clean+trim"],
    "en7d = zh7d": ["en7d|clean+trim", "zh7d|clean+trim"],
    "en7d, three preparations": EN3,
    "en7d, three preparations = zh6": [*EN3, "zh6|clean+trim"],
}
PIPELINE_RULE = "en7d, three preparations"
SHORT_TEXT_READINGS = [
    ("zh6", "grey"),
    ("zh6", "clean"),
    ("zh6", "clean+trim+up"),
    ("zh6", "clean+trim+fix"),
    ("zh7", "clean+trim"),
]
REMOVALS = ["rchan", "hsv", "none"]


def decide(readings: dict[str, str | None], rule: str) -> str | None:
    values = [readings.get(key) for key in RULES[rule]]
    return values[0] if values[0] is not None and all(v == values[0] for v in values) else None


def study_one(name: str, dpi: int, scan_dir: Path, ablate: bool) -> dict[str, Any]:
    source = SAMPLE_FILES[name]
    truth = json.loads((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8"))
    scan = scan_dir / f"{name}_{dpi}.pdf"
    started = time.perf_counter()
    make_scan(source, scan, dpi=dpi, rotation_degrees=ROTATION, noise=NOISE, stamps=True, seed=SEED)
    build_seconds = time.perf_counter() - started

    reader = Reader()
    occurrences = printed_amounts(source, truth_amounts(truth))
    chars = source_chars(source)
    with pdfplumber.open(source) as pdf:
        source_cells = [sum(len(table.cells) for table in page.find_tables()) for page in pdf.pages]
    pipeline_seconds = 0.0
    pages = page_images(scan)
    amounts: list[dict[str, Any]] = []
    numbers: list[dict[str, Any]] = []  # the other cells the pipeline took for numbers
    texts: list[dict[str, Any]] = []
    skews: list[dict[str, Any]] = []
    cell_counts: list[tuple[int, int]] = []
    prose: list[str] = []
    for index, (rgb, size_pt) in enumerate(pages):
        image_size = (rgb.shape[1], rgb.shape[0])
        tick = time.perf_counter()
        grey = unred(rgb, "rchan")
        skew = skew_by_projection(grey)
        flat, turn = deskew(grey, skew)
        cells, labels = find_cells(flat, dpi)
        crops = [cell_crop(flat, labels, number, cell, dpi) for number, cell in enumerate(cells)]
        readings: dict[int, dict[str, str | None]] = {}
        for number, (cell, crop) in enumerate(zip(cells, crops, strict=True)):
            if crop is None:
                continue
            cell.text = reader.read("zh6", prepare(crop, dpi, TEXT))
            if numberish(cell.text):
                readings[number] = {"zh6|clean+trim": strict_amount(cell.text)}
                for engine, how in AMOUNT_READINGS[:PIPELINE_READINGS]:
                    if engine != "zh6":
                        readings[number][f"{engine}|{how}"] = strict_amount(
                            reader.read(engine, prepare(crop, dpi, how))
                        )
                cell.amount = decide(readings[number], PIPELINE_RULE)
        if name == "huangpu_2022_self_evaluation":
            prose.append(reader.read("zh3", prepare(flat, dpi, "up")))
        pipeline_seconds += time.perf_counter() - tick

        hough = skew_by_hough(grey, dpi)
        skews.append({"page": index + 1, "projection": round(skew, 3), "hough": hough and round(hough, 3)})
        cell_counts.append((len(cells), source_cells[index]))

        def cell_at(
            point_pt: tuple[float, float], turn: np.ndarray = turn, labels: np.ndarray = labels
        ) -> int:
            x, y = scan_point(point_pt, size_pt, image_size, ROTATION)  # noqa: B023 (used in this iteration)
            fx, fy = turn @ np.array([x, y, 1.0])
            column, row = round(float(fx)), round(float(fy))
            if 0 <= row < labels.shape[0] and 0 <= column < labels.shape[1]:
                return int(labels[row, column]) - 1
            return -1

        for point_pt, char in chars[index]:
            found = cell_at(point_pt)
            if found >= 0:
                cells[found].expected += char

        removed = {"rchan": flat}
        if ablate:
            for removal in REMOVALS[1:]:
                removed[removal] = deskew(unred(rgb, removal), skew)[0]

        def crop_of(
            number: int, removal: str, crops: list[np.ndarray | None] = crops, labels: np.ndarray = labels
        ) -> np.ndarray | None:
            if removal == "rchan":
                return crops[number]
            return cell_crop(removed[removal], labels, number, cells[number], dpi)  # noqa: B023

        amount_cells = set()
        for page_index, point_pt, printed in occurrences:
            if page_index != index:
                continue
            found = cell_at(point_pt)
            amount_cells.add(found)
            cell = cells[found] if found >= 0 else None
            read = cell.amount if cell else None
            entry: dict[str, Any] = {
                "page": index + 1,
                "printed": printed,
                "read": read,
                "verdict": "unread" if read is None else ("exact" if read == printed else "wrong"),
                "zh6": cell.text if cell else None,
                "numberish": found in readings,
            }
            if ablate and cell is not None and crops[found] is not None:
                variants: dict[str, str | None] = {}
                for removal in REMOVALS:
                    crop = crop_of(found, removal)
                    for engine, how in (
                        AMOUNT_READINGS if removal == "rchan" else AMOUNT_READINGS[:PIPELINE_READINGS]
                    ):
                        key = f"{engine}|{how}" if removal == "rchan" else f"{removal}:{engine}|{how}"
                        variants[key] = (
                            None
                            if crop is None
                            else strict_amount(reader.read(engine, prepare(crop, dpi, how)))
                        )
                entry["variants"] = variants
            amounts.append(entry)
        for number in readings:
            if number in amount_cells:
                continue
            expected = squeeze(cells[number].expected)
            entry = {"page": index + 1, "expected": expected, "read": cells[number].amount}
            if ablate:
                crop = crops[number]
                assert crop is not None
                entry["variants"] = {
                    f"{engine}|{how}": strict_amount(reader.read(engine, prepare(crop, dpi, how)))
                    for engine, how in AMOUNT_READINGS
                }
            numbers.append(entry)
        for number, (cell, crop) in enumerate(zip(cells, crops, strict=True)):
            expected = squeeze(cell.expected)
            if number in amount_cells or crop is None or not CJK.search(expected):
                continue
            text_entry: dict[str, Any] = {
                "page": index + 1,
                "expected": expected,
                "read": squeeze(cell.text),
                "distance": edit_distance(squeeze(cell.text), expected),
            }
            if ablate and len(expected) <= 25:
                variants_text = {
                    f"{e}|{h}": squeeze(reader.read(e, prepare(crop, dpi, h))) for e, h in SHORT_TEXT_READINGS
                }
                for removal in REMOVALS[1:]:
                    other = crop_of(number, removal)
                    variants_text[f"{removal}:zh6|{TEXT}"] = (
                        "" if other is None else squeeze(reader.read("zh6", prepare(other, dpi, TEXT)))
                    )
                text_entry["variants"] = variants_text
            texts.append(text_entry)

    facts = []
    if prose:
        ocr_text = squeeze("".join(prose))
        for fact in truth.get("facts", []):
            figures = re.findall(r"\d[\d,]*(?:\.\d+)?", fact["text"])
            if figures:
                facts.append({"text": fact["text"], "found": all(f in ocr_text for f in figures)})
    return {
        "name": name,
        "dpi": dpi,
        "pages": len(pages),
        "build_seconds": round(build_seconds, 2),
        "pipeline_seconds": round(pipeline_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "skews": skews,
        "cells": cell_counts,
        "amounts": amounts,
        "numbers": numbers,
        "texts": texts,
        "facts": facts,
    }


# --- the tables -------------------------------------------------------------------------------------------


def _count(verdicts: list[str]) -> str:
    return f"{verdicts.count('exact')} / {verdicts.count('wrong')} / {verdicts.count('unread')}"


def _verdict(read: str | None, printed: str) -> str:
    return "unread" if read is None else ("exact" if read == printed else "wrong")


def summarise(results: list[dict[str, Any]]) -> str:
    """The study's tables, in markdown."""
    out = [
        "### The pipeline, per document and dpi",
        "",
        "| document | dpi | pages | amounts exact / total | wrong | unread | other number cells misread |"
        " s/page | peak RSS MB | skew error proj. / Hough | cells found / source |"
        " short text cells exact (NFKC) | long cells char. accuracy | prose figures found |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        verdicts = [a["verdict"] for a in r["amounts"]]
        misread = sum(n["read"] is not None and n["read"] != n["expected"] for n in r["numbers"])
        short = [t for t in r["texts"] if len(t["expected"]) <= 25]
        long = [t for t in r["texts"] if len(t["expected"]) > 25]
        long_chars = sum(len(t["expected"]) for t in long)
        errors = sum(min(t["distance"], len(t["expected"])) for t in long)
        accuracy = f"{1 - errors / long_chars:.1%}" if long_chars else "–"
        proj = max(abs(s["projection"] - ROTATION) for s in r["skews"])
        hough = [abs(s["hough"] - ROTATION) for s in r["skews"] if s["hough"] is not None]
        found = sum(c[0] for c in r["cells"])
        expected_cells = sum(c[1] for c in r["cells"])
        facts = f"{sum(f['found'] for f in r['facts'])} / {len(r['facts'])}" if r["facts"] else "–"
        short_nfkc = sum(nfkc(t["read"]) == nfkc(t["expected"]) for t in short)
        short_exact = sum(t["read"] == t["expected"] for t in short)
        out.append(
            f"| {r['name']} | {r['dpi']} | {r['pages']} | {verdicts.count('exact')} / {len(verdicts)} |"
            f" {verdicts.count('wrong')} | {verdicts.count('unread')} | {misread} |"
            f" {r['pipeline_seconds'] / r['pages']:.2f} | {r['peak_rss_mb']:.0f} |"
            f" {proj:.2f}° / {max(hough) if hough else float('nan'):.2f}° | {found} / {expected_cells} |"
            f" {short_exact} ({short_nfkc}) / {len(short)} | {accuracy} | {facts} |"
        )
    dpis = sorted({r["dpi"] for r in results})
    ablated = [r for r in results if any("variants" in a for a in r["amounts"])]
    if not ablated:
        return "\n".join(out)

    def by_dpi(dpi: int) -> list[dict[str, Any]]:
        return [r for r in ablated if r["dpi"] == dpi]

    header = "| " + " | ".join(["", *[f"{d} dpi" for d in dpis]]) + " |"
    rule = "| " + " | ".join(["---"] * (len(dpis) + 1)) + " |"
    out += [
        "",
        "### Rules for accepting an amount (all truth amounts, exact / wrong / unread)",
        "",
        header,
        rule,
    ]
    for name in RULES:
        row = [name]
        for dpi in dpis:
            verdicts = [
                _verdict(decide(a["variants"], name), a["printed"])
                for r in by_dpi(dpi)
                for a in r["amounts"]
                if "variants" in a
            ]
            others = sum(
                decide(n["variants"], name) not in (None, n["expected"])
                for r in by_dpi(dpi)
                for n in r["numbers"]
            )
            row.append(_count(verdicts) + (f" (+{others} misread elsewhere)" if others else ""))
        out.append("| " + " | ".join(row) + " |")
    out += ["", "### Single readings of the amount cells (exact / wrong / unread)", "", header, rule]
    for engine, how in AMOUNT_READINGS:
        key = f"{engine}|{how}"
        row = [f"{engine}, {how}"]
        for dpi in dpis:
            verdicts = [
                _verdict(a["variants"][key], a["printed"])
                for r in by_dpi(dpi)
                for a in r["amounts"]
                if "variants" in a
            ]
            row.append(_count(verdicts))
        out.append("| " + " | ".join(row) + " |")
    out += [
        "",
        "### Seal removal (pipeline rule on the amounts; short text cells exact, NFKC)",
        "",
        header,
        rule,
    ]
    for removal in REMOVALS:
        row = [removal]
        for dpi in dpis:
            prefix = "" if removal == "rchan" else f"{removal}:"
            verdicts = []
            for r in by_dpi(dpi):
                for a in r["amounts"]:
                    if "variants" not in a:
                        continue
                    readings = {k[len(prefix) :]: v for k, v in a["variants"].items() if k.startswith(prefix)}
                    verdicts.append(_verdict(decide(readings, PIPELINE_RULE), a["printed"]))
            shorts = [t for r in by_dpi(dpi) for t in r["texts"] if "variants" in t]
            key = f"{removal}:zh6|{TEXT}"
            exact = sum(
                nfkc(t["read"] if removal == "rchan" else t["variants"][key]) == nfkc(t["expected"])
                for t in shorts
            )
            row.append(f"{_count(verdicts)}; text {exact} / {len(shorts)}")
        out.append("| " + " | ".join(row) + " |")
    out += ["", "### Short text cells (≤ 25 characters): exact after NFKC", "", header, rule]
    for key in [f"zh6|{TEXT}", *(f"{e}|{h}" for e, h in SHORT_TEXT_READINGS)]:
        row = [key.replace("|", ", ")]
        for dpi in dpis:
            shorts = [t for r in by_dpi(dpi) for t in r["texts"] if "variants" in t]
            exact = sum(
                nfkc(t["read"] if key == f"zh6|{TEXT}" else t["variants"][key]) == nfkc(t["expected"])
                for t in shorts
            )
            row.append(f"{exact} / {len(shorts)} ({exact / max(1, len(shorts)):.0%})")
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


def compare_cli(name: str, dpi: int, scan_dir: Path) -> str:
    """The amount cells and the short text cells of one scan read by the `tesseract` command (Debian's,
    through pytesseract: a process per cell) and by tesserocr (its wheel's own Tesseract, in process),
    same images and settings: seconds per cell and exact readings."""
    import pytesseract

    source = SAMPLE_FILES[name]
    truth = json.loads((TRUTH / f"{name}.truth.json").read_text(encoding="utf-8"))
    scan = make_scan(
        source, scan_dir / f"{name}_{dpi}.pdf", dpi=dpi, rotation_degrees=ROTATION, noise=NOISE, seed=SEED
    )
    occurrences = printed_amounts(source, truth_amounts(truth))
    jobs: list[tuple[str, np.ndarray, str]] = []  # (engine, image, expected)
    chars = source_chars(source)
    for index, (rgb, size_pt) in enumerate(page_images(scan)):
        grey = unred(rgb, "rchan")
        flat, turn = deskew(grey, skew_by_projection(grey))
        cells, labels = find_cells(flat, dpi)
        image_size = (rgb.shape[1], rgb.shape[0])

        def cell_at(
            point_pt: tuple[float, float], turn: np.ndarray = turn, labels: np.ndarray = labels
        ) -> int:
            x, y = scan_point(point_pt, size_pt, image_size, ROTATION)  # noqa: B023
            fx, fy = turn @ np.array([x, y, 1.0])
            column, row = round(float(fx)), round(float(fy))
            return (
                int(labels[row, column]) - 1
                if 0 <= row < labels.shape[0] and 0 <= column < labels.shape[1]
                else -1
            )

        for point_pt, char in chars[index]:
            if (found := cell_at(point_pt)) >= 0:
                cells[found].expected += char
        amount_cells = set()
        for page_index, point_pt, printed in occurrences:
            if page_index == index and (found := cell_at(point_pt)) >= 0:
                amount_cells.add(found)
                crop = cell_crop(flat, labels, found, cells[found], dpi)
                if crop is not None:
                    jobs.append(("en7d", prepare(crop, dpi, "clean+trim"), printed))
        for number, cell in enumerate(cells):
            expected = squeeze(cell.expected)
            crop = cell_crop(flat, labels, number, cell, dpi)
            if (
                number not in amount_cells
                and crop is not None
                and CJK.search(expected)
                and len(expected) <= 25
            ):
                jobs.append(("zh6", prepare(crop, dpi, TEXT), expected))
    configs = {
        "en7d": ("eng", f"--oem 1 --psm 7 -c tessedit_char_whitelist={DIGITS} --dpi 300"),
        "zh6": ("chi_sim", "--oem 1 --psm 6 --dpi 300"),
    }
    reader = Reader()
    lines = [
        "| engine | cells | tesseract CLI: exact, s/cell | tesserocr: exact, s/cell |",
        "| --- | --- | --- | --- |",
    ]
    for engine, (lang, config) in configs.items():
        mine = [(image, expected) for e, image, expected in jobs if e == engine]
        started = time.perf_counter()
        cli = [
            pytesseract.image_to_string(Image.fromarray(image), lang=lang, config=config) for image, _ in mine
        ]
        cli_seconds = time.perf_counter() - started
        started = time.perf_counter()
        api = [reader.read(engine, image) for image, _ in mine]
        api_seconds = time.perf_counter() - started

        def exact(
            readings: list[str], mine: list[tuple[np.ndarray, str]] = mine, engine: str = engine
        ) -> int:
            if engine == "en7d":
                return sum(strict_amount(r) == e for r, (_, e) in zip(readings, mine, strict=True))
            return sum(nfkc(r) == nfkc(e) for r, (_, e) in zip(readings, mine, strict=True))

        lines.append(
            f"| {engine} | {len(mine)} | {exact(cli)}, {cli_seconds / len(mine):.3f} |"
            f" {exact(api)}, {api_seconds / len(mine):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    parser.add_argument("--docs", nargs="+", default=list(SAMPLE_FILES))
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ocr-study")
    parser.add_argument("--no-ablation", action="store_true", help="only the pipeline, not the variants")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--tables", action="store_true", help="only print the tables of OUT's results")
    parser.add_argument(
        "--cli", nargs=2, metavar=("NAME", "DPI"), help="the tesseract command against tesserocr"
    )
    parser.add_argument("--one", nargs=2, metavar=("NAME", "DPI"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.cli:
        print(compare_cli(args.cli[0], int(args.cli[1]), args.out))
        return
    if args.tables:
        results = [json.loads(p.read_text()) for p in sorted(args.out.glob("*_*.json"))]
        results.sort(key=lambda r: (r["dpi"], r["name"]))
        print(summarise(results))
        return
    if args.one:
        name, dpi = args.one[0], int(args.one[1])
        result = study_one(name, dpi, args.out, ablate=not args.no_ablation)
        (args.out / f"{name}_{dpi}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
        return
    jobs = [(name, dpi) for dpi in args.dpi for name in args.docs]
    running: list[subprocess.Popen[bytes]] = []
    extra = ["--no-ablation"] if args.no_ablation else []
    for name, dpi in jobs:
        while len(running) >= args.jobs:
            running = [p for p in running if p.poll() is None]
            time.sleep(0.5)
        command = [sys.executable, __file__, "--out", str(args.out), "--one", name, str(dpi), *extra]
        running.append(subprocess.Popen(command))
    for process in running:
        process.wait()
    results = [json.loads((args.out / f"{n}_{d}.json").read_text()) for n, d in jobs]
    report = summarise(results)
    (args.out / "tables.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()

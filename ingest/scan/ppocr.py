"""PP-OCRv4, the Chinese print models of PaddleOCR, in process: RapidOCR runs them on ONNX Runtime.

The models come inside the `rapidocr-onnxruntime` wheel (detection 4.7 MB, recognition 10.9 MB), so
a machine needs nothing more than the Python dependency. They read a line of Chinese print far
better than Tesseract's chi_sim: on our scans at 300 dpi, ≥ came out as ≥ and not as 亏/过/艺, and a
one-glyph line such as the wrapped 况 of 预算整体情况 was read right (docs/ocr-study.md).

One engine per process, loaded on first use; one ONNX Runtime thread each, as the nightly run already
keeps one worker per core.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np


@dataclass(frozen=True)
class Line:
    """A run of print read on a page: its text and its box (x0, y0, x1, y1) in the image."""

    text: str
    box: tuple[int, int, int, int]


_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uff0f\uff1a-\uff20"  # ideographs, CJK punctuation
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
# What the recogniser writes for the full-width punctuation of Chinese print: the ASCII forms
# (（ and ( look alike to it, the full-width one with a gap around it).
_FULL_WIDTH = {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "!": "！", "?": "？"}
_ASCII_BY_CJK = re.compile(f"(?<=[{_CJK}])[(),:;!?]|[(),:;!?](?=[{_CJK}])|^[()]|[()]$")


def normalised(text: str) -> str:
    """A reading spelt as Chinese print is: no space beside an ideograph or full-width punctuation
    (the recogniser takes the gap a full-width mark is drawn with for a space), full-width
    punctuation beside ideographs (as the documents print it, and as their text layer gives it:
    `ingest/pdf/normalise.py` keeps it). Amounts and Latin words are left as read."""
    text = unicodedata.normalize("NFKC", text).replace("〈", "(").replace("〉", ")")
    text = _SPACE_BY_CJK.sub("", text)
    previous = None
    while previous != text:  # （万元） : each pass may make a neighbour full-width
        previous = text
        text = _ASCII_BY_CJK.sub(lambda match: _FULL_WIDTH[match.group()], text)
    return text


@functools.cache
def _engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    one_thread = {
        f"{model}_{setting}": 1
        for model in ("det", "cls", "rec")
        for setting in ("intra_op_num_threads", "inter_op_num_threads")
    }
    return RapidOCR(**one_thread)


def _colour(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image


def read_line_images(images: list[np.ndarray]) -> list[str]:
    """The text of each image of one line of print (recognition only), in one batch."""
    if not images:
        return []
    results, _ = _engine().text_rec([_colour(image) for image in images])
    return [normalised(str(text)).strip() for text, _score in results]


def read_print(image: np.ndarray) -> list[Line]:
    """Each run of print found on the page image (detection, then recognition), with its box in the
    image; top to bottom, then left to right. A line printed with a wide gap comes as two runs: the
    gap stays a gap when the characters are laid out again."""
    found, _ = _engine()(_colour(image), use_cls=False)
    lines: list[Line] = []
    for points, text, _score in found or []:
        xs = [int(point[0]) for point in points]
        ys = [int(point[1]) for point in points]
        spelt = normalised(str(text)).strip()
        if spelt:
            lines.append(Line(spelt, (min(xs), min(ys), max(xs), max(ys))))
    return lines

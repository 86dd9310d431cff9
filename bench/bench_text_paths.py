"""Text paths for the prose of a self-evaluation: speed, and whether the facts come out verbatim.

    .venv/bin/python bench/bench_text_paths.py

PDFium (pypdfium2) is several times faster than pdfplumber, but it makes up spaces from glyph gaps
(the small gap Word/LibreOffice leave between Chinese and Latin runs) and drops printed ones, so
phrases such as 全区研发经费投入达286.87亿元 do not come out as printed. jixiao reads prose with
pdfplumber (printed space glyphs only) and skips table finding on pages without rulings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pypdfium2

from ingest.pdf.reader import WORD_GAP
from ingest.prose import join_pages
from jixiao.cli.tables import print_table
from jixiao.runtime.settings import Settings


def pdfium_texts(path: Path) -> list[str]:
    document = pypdfium2.PdfDocument(path)
    try:
        texts = []
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        document.close()


def pdfplumber_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        texts = []
        for page in pdf.pages:
            texts.append(page.extract_text(keep_blank_chars=True, x_tolerance_ratio=WORD_GAP) or "")
            page.close()
        return texts


def main() -> None:
    root = Settings.from_env().project_root
    path = root / "data" / "samples" / "2022" / "huangpu_2022_self_evaluation.pdf"
    truth = json.loads((root / "tests" / "fixtures" / "truth" / f"{path.stem}.truth.json").read_text("utf-8"))
    phrases = [fact["text"] for fact in truth["facts"]]
    paths: dict[str, Callable[[Path], list[str]]] = {
        "pypdfium2 get_text_range": pdfium_texts,
        "pdfplumber extract_text (printed spaces)": pdfplumber_texts,
    }
    rows = []
    for name, read in paths.items():
        start = time.perf_counter()
        for _ in range(5):
            texts = read(path)
        seconds = (time.perf_counter() - start) / 5
        prose = join_pages(texts).text
        verbatim = sum(phrase in prose for phrase in phrases)
        rows.append((name, f"{seconds:.3f}", f"{len(texts) / seconds:.0f}", f"{verbatim}/{len(phrases)}"))
    print_table(
        f"prose text of {path.name} ({len(texts)} pages)",
        ["text path", "seconds", "pages/s", "truth phrases found verbatim"],
        rows,
    )


if __name__ == "__main__":
    main()

"""One spelling for each character a PDF's text layer may carry, applied where text is read.

Producers name the same glyph by different code points. A browser's PDF may map 门 to the CJK
radical ⻔ (U+2ED4) and 支 to the Kangxi radical ⽀ (U+2F40), because the font draws them alike; an
office types full-width digits (９５％) or the Japanese comparators ≧ ≦. Everything downstream
(labels, amounts, targets, figures in prose) sees one spelling.

Unicode NFKC does most of this, but it would also rewrite what Chinese typesetting prints on
purpose and what our records keep as printed: full-width punctuation （），：；, circled numbers ①,
squared units ㎡, superscripts. Those characters are left alone. The radicals of the CJK Radicals
Supplement have no NFKC mapping; Unicode's EquivalentUnifiedIdeograph.txt (bundled beside this
module, UCD 15.0) gives their unified ideograph.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache
from importlib import resources

# Put before what OCR could not read for certain (an amount cell, a figure in prose) whose readings
# did not agree (`ingest/scan/`); never part of an amount, so a parser reading one there finds none.
# Defined here, where the text of every page is spelt, so that spelling keeps it.
UNPROVEN = "⁇"

# Full-width forms that stay as printed: the punctuation of Chinese text. Full-width digits, Latin
# letters and the symbols of amounts and targets (％ ＋ － ． ＜ ＝ ＞) are not in this set.
_FULL_WIDTH_KEPT = {
    chr(code)
    for code in range(0xFF01, 0xFF5F)
    if not (0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A)
} - set("％＋－．＜＝＞")
_BLOCKS_KEPT = (
    (0x00B2, 0x00B3),  # superscripts: m², m³
    (0x00B9, 0x00B9),
    (0x2026, 0x2026),  # … as printed
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x2150, 0x218F),  # number forms: Ⅰ Ⅱ, ½
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ⑴ ⒈
    (0x3200, 0x33FF),  # enclosed CJK and CJK compatibility: ㈠ ㎡ ㎏
    (0xFE10, 0xFE6F),  # vertical and small forms
)
_COMPARATORS = {"≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤"}
# Our documents are Simplified Chinese: a Kangxi radical whose unified equivalent is the traditional
# character stands for the simplified one a Simplified Chinese font draws with the same glyph
# (Chromium maps 户 in Noto Sans CJK SC to ⼾, which Unicode equates with 戶).
_SIMPLIFIED = {"⼾": "户"}
_UCD_LINE = re.compile(r"^([0-9A-F]{4,6})(?:\.\.([0-9A-F]{4,6}))?\s*;\s*([0-9A-F]{4,6})")


def _kept(char: str) -> bool:
    code = ord(char)
    # UNPROVEN (⁇, which NFKC spells ??) marks what OCR could not read for certain: a scan holding
    # one in its prose is refused (ingest/proof.py), so it must reach the proof as it was put.
    return (
        char in _FULL_WIDTH_KEPT or char == UNPROVEN or any(low <= code <= high for low, high in _BLOCKS_KEPT)
    )


def _equivalent_ideographs() -> dict[int, str]:
    """CJK radicals and strokes → their unified ideograph, from the UCD file."""
    source = resources.files("ingest.pdf").joinpath("EquivalentUnifiedIdeograph.txt")
    mapping: dict[int, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        match = _UCD_LINE.match(line)
        if match:
            low, high, target = match.groups()
            for code in range(int(low, 16), int(high or low, 16) + 1):
                mapping[code] = chr(int(target, 16))
    return mapping


@cache
def _table() -> dict[int, str]:
    """Every code point whose spelling changes, with its replacement (for str.translate)."""
    table: dict[int, str] = {}
    for code in range(0x80, sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF or 0xE000 <= code <= 0xF8FF or 0x30000 <= code <= 0xDFFFF:
            continue  # surrogates, private use and the planes with no compatibility characters
        char = chr(code)
        normal = unicodedata.normalize("NFKC", char)
        if normal != char and not _kept(char):
            table[code] = normal
    table.update(_equivalent_ideographs())
    table.update({ord(symbol): replacement for symbol, replacement in _COMPARATORS.items()})
    table.update({ord(radical): ideograph for radical, ideograph in _SIMPLIFIED.items()})
    return table


def normalise_text(text: str) -> str:
    """'⽀出 ≧９５％' → '支出 ≥95%'; full-width punctuation and line breaks stay as printed."""
    if text.isascii():
        return text
    return text.translate(_table())

"""Light normalisation of target text as printed, before any parsing into structure.

Forms are typed in Word, Excel and WPS, and sometimes pasted from LaTeX: the same target arrives as
"≥ 80%", "$\\geq 80\\%$", "＞500" or ">=500". This gives one spelling; the printed text is kept too.
"""

from __future__ import annotations

import re

_LATEX = {r"\geq": "≥", r"\ge": "≥", r"\leq": "≤", r"\le": "≤", r"\%": "%", r"\times": "×", r"\sim": "~"}
_ASCII_COMPARATORS = {">=": "≥", "<=": "≤", "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤"}
_FULL_WIDTH = str.maketrans({"＞": ">", "＜": "<", "＝": "=", "％": "%", "．": "."})
_AFTER_SYMBOL = re.compile(r"([≥≤<>=])\s+(?=[\d.])")
_BEFORE_PERCENT = re.compile(r"(?<=\d)\s+%")
# Spaces a LaTeX or Word conversion left around symbols inside Chinese text: 比率 ≥80% 。
_CJK_BEFORE_SYMBOL = re.compile(r"(?<=[\u4e00-\u9fff）])\s+(?=[≥≤<>=])")
_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[。，；：、）])")


def normalise_target(text: str) -> str:
    value = text
    for latex in sorted(_LATEX, key=len, reverse=True):
        value = value.replace(latex, _LATEX[latex])
    value = value.replace("$", "")
    for ascii_form, symbol in _ASCII_COMPARATORS.items():
        value = value.replace(ascii_form, symbol)
    value = value.translate(_FULL_WIDTH)
    value = _AFTER_SYMBOL.sub(r"\1", value)
    value = _BEFORE_PERCENT.sub("%", value)
    value = _CJK_BEFORE_SYMBOL.sub("", value)
    value = _BEFORE_PUNCTUATION.sub("", value)
    return value.strip()

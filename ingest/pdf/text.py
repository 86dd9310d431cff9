"""Joining the lines of wrapped cells and paragraphs back into the text as printed."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A line break inside a cell is only wrapping: lines join with nothing in between. A space printed at
# the end or start of a line is a real character of the text (pdfplumber keeps it with
# keep_blank_chars), so nothing is guessed here, not even between two Latin letters: LibreOffice
# breaks a long Latin run mid-word when it must.
_LINE_BREAK = re.compile(r"\r?\n")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A label cell set in distributed alignment (分散对齐) spreads its characters over the cell's width:
# pdfplumber reads the gaps as spaces (基 本 支 出). A line made only of single Chinese characters
# (and the full-width brackets of a label), each set apart, is such a line: the gaps are layout.
_DISTRIBUTED = re.compile(f"^[{_CJK}（）]( +[{_CJK}（）])+$")


def collapse_distributed(line: str) -> str:
    """'基 本 支 出' → '基本支出'; a line with any word of two or more characters stays as printed."""
    stripped = line.strip()
    return stripped.replace(" ", "") if _DISTRIBUTED.match(stripped) else line


def unwrap(text: str | None) -> str:
    """'预算整体情\\n况' → '预算整体情况'; spaces printed in the text are kept."""
    if not text:
        return ""
    return "".join(collapse_distributed(line) for line in _LINE_BREAK.split(text)).strip()


def squash(text: str) -> str:
    """Drop all whitespace: for matching labels that a form may print with stray spaces."""
    return re.sub(r"\s+", "", text)


def strip_suffixes(text: str, suffixes: Iterable[str]) -> str:
    """Drop any of `suffixes` from the end, again and again, never down to nothing:
    '科学技术局（部门）（本级）' → '科学技术局'."""
    endings = tuple(suffixes)
    changed = True
    while changed:
        changed = False
        for suffix in endings:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
    return text

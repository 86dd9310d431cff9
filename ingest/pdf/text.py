"""Joining the lines of wrapped cells and paragraphs back into the text as printed."""

from __future__ import annotations

import re

# A line break inside a cell is only wrapping: lines join with nothing in between. A space printed at
# the end or start of a line is a real character of the text (pdfplumber keeps it with
# keep_blank_chars), so nothing is guessed here, not even between two Latin letters: LibreOffice
# breaks a long Latin run mid-word when it must.
_LINE_BREAK = re.compile(r"\r?\n")


def unwrap(text: str | None) -> str:
    """'预算整体情\\n况' → '预算整体情况'; spaces printed in the text are kept."""
    if not text:
        return ""
    return _LINE_BREAK.sub("", text).strip()


def squash(text: str) -> str:
    """Drop all whitespace: for matching labels that a form may print with stray spaces."""
    return re.sub(r"\s+", "", text)

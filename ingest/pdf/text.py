"""Joining the lines of wrapped cells and paragraphs back into the text as printed."""

from __future__ import annotations

import re

# A line break inside CJK text is only wrapping: the characters join with no space. Between two
# Latin letters the wrap swallowed a real space, so one is put back.
_LATIN_WRAP = re.compile(r"(?<=[A-Za-z])[ \t]*\r?\n[ \t]*(?=[A-Za-z])")
_ANY_WRAP = re.compile(r"[ \t]*\r?\n[ \t]*")


def unwrap(text: str | None) -> str:
    """'预算整体情\\n况' → '预算整体情况'; spaces inside a line are kept as printed."""
    if not text:
        return ""
    return _ANY_WRAP.sub("", _LATIN_WRAP.sub(" ", text)).strip()


def squash(text: str) -> str:
    """Drop all whitespace: for matching labels that a form may print with stray spaces."""
    return re.sub(r"\s+", "", text)

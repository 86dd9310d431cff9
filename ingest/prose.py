"""Figures stated in prose, found by the declarative pattern table in ingest/patterns/."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from ingest.amounts import parse_amount
from ingest.measures import base_of
from ingest.records import Fact

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PAGE_FOOTER = re.compile(r"^\s*[—–-]\s*\d+\s*[—–-]\s*$")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN = "0-9A-Za-z"
_SPACED = re.compile(f"(?<=[{_CJK}]) (?=[{_LATIN}])|(?<=[{_LATIN}%]) (?=[{_CJK}])")
_TIGHT = re.compile(f"[{_CJK}][{_LATIN}]|[{_LATIN}%][{_CJK}]")


@dataclass(frozen=True)
class FactPattern:
    label: str
    unit: str | None
    numeric: bool
    regexes: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ProseText:
    """The report as one string, wraps and page footers removed, with where each page starts."""

    text: str
    page_starts: tuple[int, ...]

    def page_at(self, offset: int) -> int:
        return bisect.bisect_right(self.page_starts, offset)


def _joint(before: str, after: str) -> str:
    """What stood where a line wrapped: nothing, or a space the wrap swallowed.

    Writers space Latin runs off from Chinese (达 286.87 亿元) in some paragraphs and not in others
    (达286.87亿元), and a space at a wrap is not printed. Where a wrap falls between a Chinese
    character and a digit or letter, the two lines around it tell which habit the paragraph follows.
    """
    if not before or not after:
        return ""
    left, right = before[-1], after[0]
    cjk_latin = (re.match(f"[{_CJK}]", left) and re.match(f"[{_LATIN}]", right)) or (
        re.match(f"[{_LATIN}%]", left) and re.match(f"[{_CJK}]", right)
    )
    if not cjk_latin:
        return ""
    window = f"{before}\n{after}"
    return " " if len(_SPACED.findall(window)) > len(_TIGHT.findall(window)) else ""


def join_pages(pages: Sequence[str]) -> ProseText:
    """Lines joined back into running text across pages; page footers (— 7 —) dropped."""
    lines: list[tuple[int, str]] = [
        (number, line.rstrip("\r"))
        for number, page in enumerate(pages, start=1)
        for line in page.splitlines()
        if line.strip() and not _PAGE_FOOTER.match(line)
    ]
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    previous = ""
    for number, line in lines:
        joint = _joint(previous, line)
        while len(starts) < number:
            starts.append(length + len(joint))
        parts.append(joint + line)
        length += len(joint) + len(line)
        previous = line
    while len(starts) < len(pages):
        starts.append(length)
    return ProseText(text="".join(parts), page_starts=tuple(starts))


@cache
def load_patterns(name: str = "self_evaluation_facts.yml") -> tuple[FactPattern, ...]:
    source = resources.files("ingest.patterns").joinpath(name).read_text(encoding="utf-8")
    return tuple(
        FactPattern(
            label=entry["label"],
            unit=entry.get("unit"),
            numeric=entry.get("numeric", True),
            regexes=tuple(re.compile(p.replace("{number}", f"(?:{NUMBER})")) for p in entry["patterns"]),
        )
        for entry in yaml.safe_load(source)
    )


def extract_facts(prose: ProseText, patterns: Sequence[FactPattern]) -> list[Fact]:
    """Facts in the order of the pattern table; for each label, its first match in reading order.

    The table's order (budget execution first, then results, then scores) is the order every report
    gives its facts in, whatever its layout. A label may be a template of the pattern's groups
    ("入选{year}年…"), so one entry can give several facts, those in reading order. The fact's text
    is the `text` group when the pattern has one (context kept outside it), else the whole match.
    """
    found: dict[str, tuple[int, int, Fact]] = {}
    for index, pattern in enumerate(patterns):
        for regex in pattern.regexes:
            for match in regex.finditer(prose.text):
                start, fact = _fact(pattern, match, prose)
                if fact.label not in found or start < found[fact.label][1]:
                    found[fact.label] = (index, start, fact)
    return [fact for _, _, fact in sorted(found.values(), key=lambda item: item[:2])]


def _fact(pattern: FactPattern, match: re.Match[str], prose: ProseText) -> tuple[int, Fact]:
    groups = match.groupdict()
    span = "text" if groups.get("text") is not None else 0
    value = groups["value"]
    label = pattern.label.format(**groups) if "{" in pattern.label else pattern.label
    start = match.start(span)
    figure = parse_amount(value) if pattern.numeric else value
    unit = groups.get("unit") or pattern.unit
    base_value, base_unit = base_of(figure, unit)
    return start, Fact(
        label=label,
        value=figure,
        unit=unit,
        qualifier=groups.get("qualifier"),
        text=match.group(span),
        page=prose.page_at(start),
        base_value=base_value,
        base_unit=base_unit,
    )

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
from ingest.records import Fact

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PAGE_FOOTER = re.compile(r"^\s*[—–-]\s*\d+\s*[—–-]\s*$")
_LINE_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")


@dataclass(frozen=True)
class FactPattern:
    label: str
    unit: str | None
    regexes: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ProseText:
    """The report as one string, wraps and page footers removed, with where each page starts."""

    text: str
    page_starts: tuple[int, ...]

    def page_at(self, offset: int) -> int:
        return bisect.bisect_right(self.page_starts, offset)


def join_pages(pages: Sequence[str]) -> ProseText:
    parts: list[str] = []
    starts: list[int] = []
    length = 0
    for page in pages:
        body = "\n".join(line for line in page.splitlines() if not _PAGE_FOOTER.match(line))
        joined = _LINE_BREAK.sub("", body.strip())
        starts.append(length)
        parts.append(joined)
        length += len(joined)
    return ProseText(text="".join(parts), page_starts=tuple(starts))


@cache
def load_patterns(name: str = "self_evaluation_facts.yml") -> tuple[FactPattern, ...]:
    source = resources.files("ingest.patterns").joinpath(name).read_text(encoding="utf-8")
    entries = yaml.safe_load(source)
    return tuple(
        FactPattern(
            label=entry["label"],
            unit=entry.get("unit"),
            regexes=tuple(re.compile(p.replace("{number}", NUMBER)) for p in entry["patterns"]),
        )
        for entry in entries
    )


def extract_facts(prose: ProseText, patterns: Sequence[FactPattern]) -> list[Fact]:
    """One fact per pattern entry: its first match in reading order; results in reading order."""
    found: list[tuple[int, Fact]] = []
    for pattern in patterns:
        matches = [m for regex in pattern.regexes if (m := regex.search(prose.text))]
        if not matches:
            continue
        match = min(matches, key=lambda m: m.start())
        groups = match.groupdict()
        found.append(
            (
                match.start(),
                Fact(
                    label=pattern.label,
                    value=parse_amount(groups["value"]),
                    unit=groups.get("unit") or pattern.unit,
                    qualifier=groups.get("qualifier"),
                    text=match.group(0),
                    page=prose.page_at(match.start()),
                ),
            )
        )
    return [fact for _, fact in sorted(found, key=lambda item: item[0])]

"""Which bureau a printed department name is, by the departments seed of the dbt project.

Names arrive in many spellings: with suffixes such as （部门） or （本级）, with the second name a
bureau also goes by in parentheses (广州市黄埔区科学技术局（广州开发区科技创新局）). A name is
matched when any of its readings equals the seed's name or one of its aliases.

Failing that, a name is matched by the division it names: official names vary in both halves
(区 / 开发区 / 经济技术开发区 / 管委会; 科学技术局 / 科技局 / 科技创新局 / 科工信局), so a science and
technology bureau's name that names exactly one division of the seed (a district before its
city: 广州南沙经济技术开发区科学技术局 names 广州 and 南沙) is that division's bureau. A name that
matches nothing, names two districts, or is no science bureau's is left unmatched, never guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.pdf.text import strip_suffixes

# Suffixes that qualify the unit rather than name it.
_SUFFIXES = ("（部门）", "（本级）", "（单位）", "本级")
_PARENTHESISED = re.compile(r"（([^（）]+)）")


def normalise(name: str) -> str:
    text = re.sub(r"\s+", "", name).replace("(", "（").replace(")", "）")
    return strip_suffixes(text, _SUFFIXES)


def readings(name: str) -> set[str]:
    """The whole name, the name before its parentheses, and each name inside them."""
    whole = normalise(name)
    found = {whole, whole.split("（", 1)[0]}
    found.update(_PARENTHESISED.findall(whole))
    return {reading for reading in found if reading}


# What marks a science and technology bureau's name, whatever its division calls it: 科学技术局,
# 科技局, 科技创新局, 科工信局, 科技工业和信息化局. The seed lists only such bureaus, so a name without
# any of these (发展和改革局) is another department of the same division, not a spelling of one.
SCIENCE_BUREAU_WORDS = ("科学技术", "科技", "科工信", "科创")
_DIVISION_SUFFIXES = ("市", "区", "县")


def division_stem(division_name: str) -> str:
    """The name a division goes by inside longer names: 南沙区 → 南沙, 广州市 → 广州."""
    return strip_suffixes(normalise(division_name), _DIVISION_SUFFIXES)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    aliases: tuple[str, ...]
    division_name: str = ""
    level: str = ""  # city / district


class DepartmentDirectory:
    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_name: dict[str, set[str]] = {}
        self._by_division: dict[str, dict[str, set[str]]] = {"district": {}, "city": {}}
        for department in departments:
            for spelling in (department.name, *department.aliases):
                self._by_name.setdefault(normalise(spelling), set()).add(department.code)
            stem = division_stem(department.division_name)
            if stem and department.level in self._by_division:
                self._by_division[department.level].setdefault(stem, set()).add(department.code)

    @classmethod
    def from_seed(cls, path: Path) -> DepartmentDirectory:
        with path.open(encoding="utf-8", newline="") as handle:
            return cls(
                Department(
                    code=row["department_code"],
                    name=row["department_name_zh"],
                    aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
                    division_name=row.get("division_name_zh") or "",
                    level=row.get("level") or "",
                )
                for row in csv.DictReader(handle)
            )

    def match(self, printed_name: str) -> str | None:
        """The department_code of the one bureau the name reads as, else None."""
        codes: set[str] = set()
        for reading in readings(printed_name):
            codes |= self._by_name.get(reading, set())
        if codes:
            return codes.pop() if len(codes) == 1 else None
        return self._match_by_division(normalise(printed_name))

    def _match_by_division(self, name: str) -> str | None:
        if not any(word in name for word in SCIENCE_BUREAU_WORDS):
            return None
        # A district's name contains its city's (广州市南沙区): the district decides when one is named.
        for level in ("district", "city"):
            named = {stem for stem in self._by_division[level] if stem in name}
            if len(named) > 1:
                return None
            if named:
                codes = self._by_division[level][named.pop()]
                return next(iter(codes)) if len(codes) == 1 else None
        return None

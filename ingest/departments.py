"""Which bureau a printed department name is, by the departments seed of the dbt project.

Names arrive in many spellings: with suffixes such as （部门） or （本级）, with the second name a
bureau also goes by in parentheses (广州市黄埔区科学技术局（广州开发区科技创新局）). A name is
matched when any of its readings equals the seed's name or one of its aliases; a name that matches
nothing, or more than one bureau, is left unmatched rather than guessed.
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


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    aliases: tuple[str, ...]


class DepartmentDirectory:
    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_name: dict[str, set[str]] = {}
        for department in departments:
            for spelling in (department.name, *department.aliases):
                self._by_name.setdefault(normalise(spelling), set()).add(department.code)

    @classmethod
    def from_seed(cls, path: Path) -> DepartmentDirectory:
        with path.open(encoding="utf-8", newline="") as handle:
            return cls(
                Department(
                    code=row["department_code"],
                    name=row["department_name_zh"],
                    aliases=tuple(alias for alias in row["aliases"].split("|") if alias),
                )
                for row in csv.DictReader(handle)
            )

    def match(self, printed_name: str) -> str | None:
        """The department_code of the one bureau the name reads as, else None."""
        codes: set[str] = set()
        for reading in readings(printed_name):
            codes |= self._by_name.get(reading, set())
        return codes.pop() if len(codes) == 1 else None

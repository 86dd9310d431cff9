"""What a phrase measures: the indicator catalog and its wordings, the dbt project's seeds.

The same two CSV files map target wordings to indicators in dbt (int_indicator_wordings) and map
the subject of a figure in prose to its indicator here, so a wording added for one serves both. A
document says the same thing in many ways (高新技术企业总数, 高企数量, 国家高新技术企业达…), so a subject is
matched to a wording by how much of the wording it contains (character pairs, in any spacing),
not by equality; the unit of the figure must suit the indicator's unit (家 is not 亿元).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.pdf.text import squash

SEEDS = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"

# Shortenings offices use in running text, read as the words the wordings spell out.
ABBREVIATIONS = {"R&D": "研发", "高企": "高新技术企业", "科小": "科技型中小企业", "孵化载体": "孵化器"}

# Units by what they measure: a figure only maps to an indicator stated in a unit of the same kind.
UNIT_KINDS = {
    **dict.fromkeys(("元", "万元", "亿元", "万美元", "亿美元"), "money"),
    "%": "percent",
    "个百分点": "percentage_points",
    "分": "score",
    **dict.fromkeys(("升", "万升"), "volume"),
    **dict.fromkeys(("平方米", "万平方米", "亩"), "area"),
    **dict.fromkeys(("人", "万人", "人次", "万人次", "名", "位"), "people"),
    **dict.fromkeys(
        ("家", "个", "项", "场", "件", "次", "所", "座", "台", "套", "篇", "部", "户", "批", "支"), "count"
    ),
}
# A subject that counts what was added in the year maps only to a wording naming the same addition.
_INCREMENT = ("新增", "净增")
# A wording must be this much inside a subject (share of its character pairs) to name it.
MATCH_THRESHOLD = 0.75


def expand(text: str) -> str:
    """The text with whitespace removed and shortenings spelled out: 'R&D 经费' → '研发经费'."""
    text = squash(text)
    for short, full in ABBREVIATIONS.items():
        text = text.replace(short, full)
    return text


def pairs(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)] or [text]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str  # indicator_name_zh: the label a figure of it gets
    unit_kind: str | None
    position: int  # row in the catalog: facts come out in this order


@dataclass(frozen=True)
class Match:
    indicator: Indicator
    wording: str  # expanded
    score: float


@dataclass(frozen=True)
class Wordings:
    indicators: dict[str, Indicator]  # by code
    # (expanded wording, its character pairs, indicator), catalog names included
    wordings: tuple[tuple[str, tuple[str, ...], Indicator], ...]

    @classmethod
    def from_seeds(cls, seeds: Path = SEEDS) -> Wordings:
        with (seeds / "indicator_catalog.csv").open(encoding="utf-8") as handle:
            catalog = list(csv.DictReader(handle))
        indicators = {
            row["indicator_code"]: Indicator(
                code=row["indicator_code"],
                name=row["indicator_name_zh"],
                unit_kind=UNIT_KINDS.get(row["unit"]),
                position=position,
            )
            for position, row in enumerate(catalog)
        }
        with (seeds / "indicator_wordings.csv").open(encoding="utf-8") as handle:
            rows = [(row["wording"], indicators[row["indicator_code"]]) for row in csv.DictReader(handle)]
        named = [(indicator.name, indicator) for indicator in indicators.values()]
        found: dict[str, Indicator] = {}
        for wording, indicator in [*named, *rows]:
            found.setdefault(expand(wording), indicator)
        return cls(indicators, tuple((text, tuple(pairs(text)), found[text]) for text in found))

    def candidates(self, subject: str, unit: str | None, exclude: Iterable[str] = ()) -> list[Match]:
        """Every indicator of the figure's unit kind whose wording the subject holds enough of."""
        text = expand(subject)
        kind = UNIT_KINDS.get(unit or "")
        excluded = set(exclude)
        present = set(pairs(text))
        increments = {word for word in _INCREMENT if word in text}
        found: list[Match] = []
        for wording, wanted, indicator in self.wordings:
            if indicator.unit_kind != kind or indicator.code in excluded:
                continue
            if increments and not any(word in wording for word in increments):
                continue  # 新增高企 is not the stock of 高企, nor its net increase (净增)
            score = sum(pair in present for pair in wanted) / len(wanted)
            if score >= MATCH_THRESHOLD:
                found.append(Match(indicator, wording, score))
        return found

    def best(self, subject: str, unit: str | None, exclude: Iterable[str] = ()) -> Match | None:
        """The indicator whose wording the subject holds most of; the longer wording on a tie."""
        found = self.candidates(subject, unit, exclude)
        return max(found, key=lambda match: (match.score, len(match.wording))) if found else None


@cache
def default_wordings() -> Wordings:
    return Wordings.from_seeds()


@cache
def names_in_group(level2_zh: str, seeds: Path = SEEDS) -> frozenset[str]:
    """The labels (indicator_name_zh) of the catalog's indicators of one group: 预算执行, 绩效评价 …"""
    with (seeds / "indicator_catalog.csv").open(encoding="utf-8") as handle:
        return frozenset(
            row["indicator_name_zh"] for row in csv.DictReader(handle) if row["level2_zh"] == level2_zh
        )

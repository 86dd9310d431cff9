"""The target parser: every target string of the samples against its reviewed parse, the words and
spellings of the issue, and properties over generated targets (hypothesis)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.document import parse_document
from ingest.measures import parse_target
from tests.conftest import SAMPLE_FILES

SAMPLE_TARGETS = Path(__file__).resolve().parents[1] / "fixtures" / "sample_targets.csv"


def _expected() -> dict[str, list[dict[str, str]]]:
    by_text: dict[str, list[dict[str, str]]] = {}
    with SAMPLE_TARGETS.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_text.setdefault(row["target_text"], []).append(row)
    return by_text


EXPECTED = _expected()


def _as_row(text: str) -> list[dict[str, str]]:
    def cell(value: object) -> str:
        return "" if value is None else str(value)

    return [
        {
            "target_text": text,
            "part": str(part.part_number),
            "kind": part.kind,
            "subject": cell(part.subject),
            "comparator": cell(part.comparator),
            "value": cell(part.value),
            "value_high": cell(part.value_high),
            "unit": cell(part.unit),
            "base_value": cell(part.base_value),
            "base_unit": cell(part.base_unit),
        }
        for part in parse_target(text)
    ]


@pytest.mark.parametrize("text", sorted(EXPECTED), ids=lambda text: text[:24])
def test_every_sample_target_parses_as_reviewed(text: str) -> None:
    assert _as_row(text) == EXPECTED[text]


def test_the_table_covers_every_target_of_the_samples() -> None:
    """The reviewed table is the samples' targets, all of them: every 实施周期/年度指标值 of a form
    and every project indicator's target, as the parsers read them from the PDFs."""
    printed: set[str] = set()
    for path in SAMPLE_FILES.values():
        document = parse_document(path)
        printed.update(text for i in document.indicators for text in (i.period_target, i.annual_target))
        printed.update(item.annual_target for project in document.projects for item in project.indicators)
    assert set(EXPECTED) == printed
    kinds = {row["kind"] for rows in EXPECTED.values() for row in rows}
    assert kinds == {"numeric", "rank", "qualitative"}


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (">2500家", [(None, ">", "2500", "家")]),
        ("全国居前8", [(None, "rank", "8", None)]),
        ("进一步提高", [(None, None, None, None)]),
        ("不少于50家", [(None, "≥", "50", "家")]),
        ("超过1000家", [(None, ">", "1000", "家")]),
        ("达到4500家", [(None, "≥", "4500", "家")]),
        ("首次突破400亿元", [(None, ">", "400", "亿元")]),
        ("15家以上", [(None, "≥", "15", "家")]),
        ("不低于95%", [(None, "≥", "95", "%")]),
        ("＞500人", [(None, ">", "500", "人")]),
        (r"$\geq 80\%$", [(None, "≥", "80", "%")]),
        ("10-20家", [(None, "range", "10", "家")]),
        (
            "1.高新技术企业申报数量≥4500家；2.高新技术企业认定数≥4000家",
            [("高新技术企业申报数量", "≥", "4500", "家"), ("高新技术企业认定数", "≥", "4000", "家")],
        ),
        ("为参会人数>500人，企业>100家", [("参会人数", ">", "500", "人"), ("企业", ">", "100", "家")]),
        ("国家高新技术企业数量达到1100家", [("国家高新技术企业数量", "≥", "1100", "家")]),
    ],
)
def test_words_symbols_and_compounds(text: str, parts: list[tuple[str | None, ...]]) -> None:
    parsed = parse_target(text)
    assert [
        (p.subject, p.comparator, None if p.value is None else str(p.value), p.unit) for p in parsed
    ] == parts


def test_money_compares_in_wan_yuan() -> None:
    (part,) = parse_target("≥550亿元")
    assert (part.base_value, part.base_unit) == (Decimal("5500000"), "万元")
    (part,) = parse_target("≥85%")
    assert (part.base_value, part.base_unit) == (Decimal("85"), "%")


# --- properties ------------------------------------------------------------------------------

SPELLINGS = {
    "≥": ["≥{v}", ">={v}", "≧{v}", "不少于{v}", "不低于{v}", "达到{v}", r"$\geq {v}$", "{v}{u_}以上"],
    ">": [">{v}", "＞{v}", "超过{v}", "突破{v}", "高于{v}"],
    "≤": ["≤{v}", "<={v}", "不超过{v}", "不高于{v}", r"$\leq {v}$"],
    "<": ["<{v}", "＜{v}", "低于{v}", "少于{v}"],
    "=": ["{v}"],
}
UNITS = ["家", "人", "项", "个", "场", "件", "%", "亿元", "万元", "人次"]
FACTORS = {"亿元": Decimal(10000), "万元": Decimal(1)}
SUBJECTS = st.text(alphabet="高新技术企业数量科普活动申报认定孵化器国家级", min_size=2, max_size=12)
VALUES = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


def _render(comparator: str, spelling: int, value: Decimal, unit: str) -> str:
    template = SPELLINGS[comparator][spelling % len(SPELLINGS[comparator])]
    if "{u_}" in template:
        return template.format(v=value, u_=unit)
    return template.format(v=value) + unit


@st.composite
def statements(draw: st.DrawFn) -> tuple[str, str, Decimal, str, str]:
    comparator = draw(st.sampled_from(sorted(SPELLINGS)))
    spelling = draw(st.integers(min_value=0, max_value=10))
    value = draw(VALUES)
    unit = draw(st.sampled_from(UNITS))
    subject = draw(SUBJECTS)
    return subject + _render(comparator, spelling, value, unit), subject, value, unit, comparator


@given(statements())
def test_one_statement_round_trips(statement: tuple[str, str, Decimal, str, str]) -> None:
    text, subject, value, unit, comparator = statement
    (part,) = parse_target(text)
    assert (part.kind, part.subject, part.comparator, part.value, part.unit) == (
        "numeric",
        subject,
        comparator,
        value,
        unit,
    )
    assert part.base_value == value * FACTORS.get(unit, Decimal(1))


@given(st.lists(statements(), min_size=2, max_size=5), st.sampled_from(["；", "numbered"]))
def test_compound_targets_split_into_their_statements(
    parts: list[tuple[str, str, Decimal, str, str]], joiner: str
) -> None:
    if joiner == "numbered":
        text = "；".join(f"{number}.{statement[0]}" for number, statement in enumerate(parts, start=1))
    else:
        text = joiner.join(statement[0] for statement in parts)
    parsed = parse_target(text)
    assert [(p.subject, p.value, p.comparator) for p in parsed] == [(s[1], s[2], s[4]) for s in parts]
    assert [p.part_number for p in parsed] == list(range(1, len(parts) + 1))


@given(st.text(max_size=80))
def test_any_text_parses_without_error(text: str) -> None:
    for part in parse_target(text):
        assert part.kind in {"numeric", "range", "rank", "qualitative"}
        assert (part.value is None) == (part.kind == "qualitative")

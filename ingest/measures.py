"""Light normalisation of target text as printed, before any parsing into structure.

Forms are typed in Word, Excel and WPS, and sometimes pasted from LaTeX: the same target arrives as
"≥ 80%", "$\\geq 80\\%$", "＞500" or ">=500". This gives one spelling; the printed text is kept too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

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


# --- parsing a target into structure ------------------------------------------------------------

# Words that state a comparison, longest first so that 不少于 wins over 少于.
_PREFIX_WORDS = {
    "不少于": "≥",
    "不低于": "≥",
    "不小于": "≥",
    "不超过": "≤",
    "不高于": "≤",
    "不大于": "≤",
    "不多于": "≤",
    "超过": ">",
    "突破": ">",
    "多于": ">",
    "高于": ">",
    "大于": ">",
    "达到": "≥",
    "达": "≥",
    "少于": "<",
    "低于": "<",
    "小于": "<",
    "为": "=",
    "约": "=",
}
_SUFFIX_WORDS = {"以上": "≥", "及以上": "≥", "以下": "≤", "以内": "≤", "多": ">", "余": ">"}
_UNITS = (
    "亿元|万元|元|万人次|人次|万人|人|万家|家|万个|个|万件|件|项|场次|场|次|期|名|条|份|本|部|台|支|"
    "万升|升|%|亿|万|天|年|月|分|级|倍|篇|套|批|户|所|座|处|册次|册|小时|秒|起"
)
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NUMERIC = re.compile(
    rf"(?P<prefix>{'|'.join(sorted(_PREFIX_WORDS, key=len, reverse=True))})?\s*"
    rf"(?P<symbol>[≥≤<>=])?\s*(?P<value>{_NUMBER})"
    rf"(?:\s*[-~～至到]\s*(?P<high>{_NUMBER}))?\s*"
    rf"(?P<unit>{_UNITS})?\s*(?P<suffix>及以上|以上|以下|以内|多|余)?"
)
_RANK = re.compile(rf"(?:全国|全省|全市|全区)?(?:居|位居|排名)?(?:前|第)\s*(?P<value>{_NUMBER})(?:名|位)?")
_ITEM_MARK = re.compile(
    r"(?:^|(?<=[；;。，,\s]))\s*(?:\d+|[（(]\d+[)）])\s*[.、．](?!\d)\s*"
    r"|(?<=[。；;])\s*\d{1,2}[.、．](?=\d{4}\s*年)"  # 2.2023年…: item 2, then a year
)
_CLAUSE_SPLIT = re.compile(r"([；;。，,、])")
# Filler around a measure's name: item numbers, years, 我区/全市, and the verbs before the number.
_SUBJECT_TRIM = re.compile(
    r"^(?:\d+\s*[.、．](?!\d)|\d{4}\s*年度?|我区|全区|我市|全市|年度|为|将|力争|预计)"
    r"|(?:将|预计|力争|实现|完成|首次)?(?:达到|达|为|超过|突破|不少于)?$"
)
_CLAUSES = re.compile(r"[。；;，,]|(?:^|(?<=\s))\d+[.、．](?!\d)")
# 亿元 → 万元 and the like: targets are compared in the base unit.
_TO_BASE: dict[str, tuple[str, Decimal]] = {
    "亿元": ("万元", Decimal(10000)),
    "万元": ("万元", Decimal(1)),
    "元": ("万元", Decimal("0.0001")),
    "亿": ("万元", Decimal(10000)),  # 融资额≥200亿: money in this domain
    "万人": ("人", Decimal(10000)),
    "万人次": ("人次", Decimal(10000)),
    "万家": ("家", Decimal(10000)),
    "万个": ("个", Decimal(10000)),
    "万件": ("件", Decimal(10000)),
    "万": ("", Decimal(10000)),  # 用户总数不小于5万: a count in ten-thousands
}
_COMPARATOR_IN_SUBJECT = re.compile(
    "|".join(map(re.escape, sorted([*_PREFIX_WORDS, "≥", "≤", "<", ">"], key=len, reverse=True)))
)


def to_base(value: Decimal, unit: str | None) -> tuple[Decimal, str | None]:
    """The value in its base unit: 550 亿元 → 5500000 万元; 3 万人 → 30000 人; % and counts stay."""
    base_unit, factor = _TO_BASE.get(unit or "", (unit, Decimal(1)))
    return value * factor, base_unit or None


def base_of(value: Decimal | str, unit: str | None) -> tuple[Decimal | None, str | None]:
    """`to_base` for a figure stated in prose, which may be a word (等级为优) rather than a number."""
    return to_base(value, unit) if isinstance(value, Decimal) else (None, None)


@dataclass(frozen=True)
class TargetPart:
    """One measurable statement of a target: '高新技术企业认定数≥4000家' → subject, ≥, 4000, 家."""

    part_number: int
    kind: str  # numeric | range | rank | qualitative
    subject: str | None  # the measure's own wording inside the target, when it names one
    comparator: str | None  # ≥ > = ≤ < ; 'range' and 'rank' for those kinds; None when qualitative
    value: Decimal | None
    value_high: Decimal | None  # the upper end of a range
    unit: str | None
    base_value: Decimal | None  # value in the base unit (亿元 → 万元; % stays percent)
    base_unit: str | None
    text: str


def _measurable(text: str) -> bool:
    return _RANK.search(text) is not None or any(not _is_year(m) for m in _NUMERIC.finditer(text))


def _pieces(text: str) -> list[str]:
    """A compound target split into its statements: numbered items first, then clauses.

    Within an item, a statement runs up to the next clause that states a number, so prose before a
    number stays with it as its subject ('管理…特派员库，不少于3500人次') and commas inside a
    sentence without numbers never split it.
    """
    items = [item for item in _ITEM_MARK.split(text) if item and item.strip(" 。；;，,")]
    pieces: list[str] = []
    for item in items or [text]:
        chunks = _CLAUSE_SPLIT.split(item)  # clause, separator, clause, separator …
        current = ""
        statements: list[str] = []
        for index in range(0, len(chunks), 2):
            clause, separator = chunks[index], chunks[index + 1] if index + 1 < len(chunks) else ""
            current += clause
            if _measurable(clause):
                statements.append(current)
                current = ""
            else:
                current += separator
        if not statements and current.strip(" 。；;，,、"):
            statements.append(current)  # no number anywhere: one qualitative statement
        # Prose after an item's last number is context; it stays in the target's raw text.
        pieces.extend(statement.strip(" 。；;，,、") for statement in statements)
    return [piece for piece in pieces if piece]


def _subject(before: str) -> str | None:
    """The measure's name: the last clause before the number, without filler words."""
    sentence = [chunk for chunk in re.split(r"[。；;]", before) if chunk.strip()]
    clauses = [chunk for chunk in re.split(r"[，,]", sentence[-1] if sentence else "") if chunk.strip()]
    subject = (clauses[-1] if clauses else "").strip(" ：:，,。")
    previous = None
    while previous != subject:
        previous, subject = subject, _SUBJECT_TRIM.sub("", subject).strip(" ：:，,")
    return subject or None


def _is_year(match: re.Match[str]) -> bool:
    return match.group("unit") == "年" and len(match.group("value")) == 4 and not match.group("symbol")


def _measure(piece: str) -> re.Match[str] | None:
    """The number the piece states as its target: one with a comparison stated beats the first
    number ('支持35岁以下…项目≥1900项' is about 1900), and years are never targets."""
    matches = [match for match in _NUMERIC.finditer(piece) if not _is_year(match)]
    explicit = [m for m in matches if m.group("symbol") or m.group("prefix") or m.group("suffix")]
    found = explicit or matches
    return found[0] if found else None


def _part(number: int, piece: str, numeric: re.Match[str] | None = None) -> TargetPart:
    rank = _RANK.search(piece)
    numeric = numeric or _measure(piece)
    if rank and (not numeric or rank.start() <= numeric.start()):
        value = Decimal(rank.group("value"))
        return TargetPart(
            number, "rank", _subject(piece[: rank.start()]), "rank", value, None, None, value, None, piece
        )
    if numeric is None:
        return TargetPart(number, "qualitative", None, None, None, None, None, None, None, piece)
    value = Decimal(numeric.group("value").replace(",", ""))
    high = numeric.group("high")
    unit = numeric.group("unit")
    before = piece[: numeric.start()]
    comparator: str | None
    if high is not None:
        comparator, value_high = "range", Decimal(high.replace(",", ""))
    else:
        value_high = None
        comparator = (
            numeric.group("symbol")
            or _PREFIX_WORDS.get(numeric.group("prefix") or "")
            or _SUFFIX_WORDS.get(numeric.group("suffix") or "")
        )
        stated = _COMPARATOR_IN_SUBJECT.search(before) if comparator is None else None
        if stated:  # '投诉率不超过总工单的3%': the comparison is said before the number's noun
            comparator = _PREFIX_WORDS.get(stated.group(0), stated.group(0))
            before = before[: stated.start()]
        comparator = comparator or "="
    base_value, base_unit = to_base(value, unit)
    return TargetPart(
        part_number=number,
        kind="range" if high is not None else "numeric",
        subject=_subject(before),
        comparator=comparator,
        value=value,
        value_high=value_high,
        unit=unit,
        base_value=base_value,
        base_unit=base_unit,
        text=piece,
    )


def parse_target(text: str) -> tuple[TargetPart, ...]:
    """Parse a target as printed into one part per measurable statement.

    '>2500家' → (>, 2500, 家); '为参会人数>500人，企业>100家' → two parts with their subjects;
    '1.高新技术企业申报数量≥4500家；2.高新技术企业认定数≥4000家' → two parts; '全国居前8' → rank 8;
    '进一步提高' → qualitative.
    """
    normalised = normalise_target(text)
    if not normalised:
        return ()
    return tuple(_part(number, piece) for number, piece in enumerate(_pieces(normalised), start=1))


def goal_statements(text: str) -> tuple[TargetPart, ...]:
    """Measurable statements inside prose (a key task's 期望达到的目标): '全区高企总数将超过2500家'.

    Prose mixes targets with years and plan names ('2+3+N'), so a clause counts only when it names
    a subject and states its comparison in words or symbols (达, 超过, 不少于, ≥, 以上 …).
    """
    found: list[TargetPart] = []
    for clause in _CLAUSES.split(normalise_target(text)):
        for match in _NUMERIC.finditer(clause):
            explicit = match.group("prefix") or match.group("symbol") or match.group("suffix")
            if not explicit or not match.group("unit") or match.group("high"):
                continue
            part = _part(len(found) + 1, clause[: match.end()], match)
            if part.subject and part.kind == "numeric":
                found.append(part)
    return tuple(found)

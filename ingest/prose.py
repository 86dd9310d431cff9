"""Figures stated in prose, found by what they measure rather than by the sentence around them.

A figure is a number with a unit (家, 亿元, %, 个百分点 …). Its subject is the phrase that names what
it counts, inside its clause: before the number (高新技术企业总数突破2500家, 研发投入强度达6.65%) or,
when the clause goes on after the unit, around it (启动29家重大科技平台“大比武”, 全区建有46家科技
企业孵化器). The subject maps to an indicator of the catalog through the wordings seed
(ingest/wordings.py); the fact is labelled with the indicator's name. A subject that names nothing
but a change (同比增长14%) is read with the clause before it. A figure never takes its subject from
the sentence before: where a scan lost the start of a line, that sentence names another measure. A
figure whose subject maps to nothing still lands, labelled by its subject as printed, and shows in
the unmapped-wordings audit; a figure with no subject at all (达到3.5%) does not.

Not facts: the department's description (部门概况), the scores of the score table's sub-items
restated in prose (满分 4 分，自评得分 4 分: the table is the record of those), years and ordinals.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ingest.amounts import parse_amount
from ingest.measures import base_of
from ingest.pdf.text import strip_suffixes
from ingest.records import Fact, UnreadStatement
from ingest.wordings import UNIT_KINDS, Match, Wordings, default_wordings, pairs

NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_UNIT = "|".join(re.escape(unit) for unit in sorted(UNIT_KINDS, key=len, reverse=True))
# 1000多家, 210余家, 600家以上; not a year (2022年), an ordinal (第8.6代) or part of a name (T9项目).
FIGURE = re.compile(
    rf"(?<![\d.,A-Za-z第])(?P<value>{NUMBER})\s*(?P<approx>多|余)?\s*(?P<unit>{_UNIT})(?P<above>以上)?"
)
# — 7 —, and as OCR may give it, with one of its dashes lost (7-).
PAGE_FOOTER = re.compile(r"^\s*(?:[—–-]\s*\d{1,3}\s*[—–-]?|\d{1,3}\s*[—–-])\s*$")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LATIN = "0-9A-Za-z"
_SPACED = re.compile(f"(?<=[{_CJK}]) (?=[{_LATIN}])|(?<=[{_LATIN}%]) (?=[{_CJK}])")
_TIGHT = re.compile(f"[{_CJK}][{_LATIN}]|[{_LATIN}%][{_CJK}]")

# ASCII commas end a clause too, except inside a number (383,506.13).
_CLAUSE_END = re.compile(r"[，。；;：:！!？?\n]|,(?!\d{3})")
# A numbered line this much shorter than the page's longest, not closed by punctuation, is a heading.
_HEADING_MARK = re.compile(r"(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十\d]+）|\d+[.．、](?!\d))")
_HEADING_SHARE = 0.7
_CLOSING = ("。", "；", ";", "，", ",", "：", ":", "、", "”", "！", "？")
# A subject that only names a change (同比增长14%, 较上年提高0.21个百分点): of the clause before.
_CHANGE_ONLY = re.compile(r"^(?:同比|较上年|比上年|较去年|比去年)?(?:增长|增加|提高|提升|下降|减少)\w{0,2}$")
_SENTENCE_END = "。；;！!？?"
# What opens a clause without being part of its subject: item marks, time phrases, connectives.
_OPENING = re.compile(
    r"(?:\s+|[、和及与]|（\d+）|\(\d+\)|\d+[.、．](?!\d)|[一二三四五六七八九十]+是|[一二三四五六七八九十]+、"
    r"|(?:截至|截止|到)?\s*20\d{2}\s*年(?:度|底|末|内)?|目前|当前|年内|本年度|今年|其中|另外|此外|同时|并且)"
)
_YEAR_PHRASE = re.compile(r"20\d{2}\s*年度?")
# A lower bound printed before the number; 多/余 after it and 以上 after the unit are the others.
_QUALIFIER = re.compile(r"(超过|突破|超出|多于|高于|逾|超)\s*$")
# Words between a subject and its number: dropped from a subject that names no indicator.
_VERBS = (
    "首次突破", "达到", "共有", "拥有", "实现", "完成", "增至", "升至", "提高", "提升", "增长", "突破",
    "超过", "超出", "多于", "高于", "首次", "首创", "累计", "分别", "达", "为", "是", "有", "逾", "超",
    "约", "已", "共", "的",
)  # fmt: skip
_SCOPE = re.compile(
    r"^(?:全区|我区|全市|我市|本区|本市|区内|市内|辖区内|我局|本局|我部门|本部门)?"
    r"(?:已|共|现)?(?:拥有|聚集|汇集|集聚|建有|共有|现有|已有|有)?"
)
# The verb after a counted noun: 5 家企业|入选…榜单, 10 家孵化器|获…优秀.
_PREDICATE = re.compile(
    r"入选|获评|获得|获批|获|申报|参加|参与|开展|实施|落户|入驻|通过|签约|纳入|列入|被评为|评为"
)
_OVERVIEW = re.compile(
    r"(?:（[一二三四五六七八九十]）|[一二三四五六七八九十]、)\s*"
    r"(?:(?:部门|单位)(?:概况|基本情况)|概况|职能职责|主要职能|机构设置)"
)
_NEXT_HEADING = re.compile(r"（[一二三四五六七八九十]）")
# A top-level heading (二、部门整体支出情况) starts a line of the joined text.
_NEXT_TOP_HEADING = re.compile(r"(?m)^\s*[一二三四五六七八九十]+、")
_GRADE = re.compile(
    r"(?:自评|评价|综合)?(?:等级|等次|评级)\s*(?:为|是|：|:|评定为|评为|达到)?\s*[“\"]?"
    r"(?P<value>优秀|优|良好|良|中等|中|不合格|合格|及格|差)"
)
_MARKED_SCORE = re.compile(
    rf"满分\s*(?:{NUMBER})\s*分\s*[，,、]?\s*(?:自评)?得分\s*(?:为)?\s*(?:{NUMBER})\s*分"
)
# Dimensions of the department-wide framework, for a report whose score table was not read.
DIMENSIONS = ("履职效能", "管理效率", "产出", "效益", "社会效应", "可持续性", "投入", "过程")


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
    """Lines joined back into running text across pages; page footers (— 7 —) dropped.

    A heading stands on a numbered line of its own that stops short of the margin without closing
    punctuation (（三）部门整体收支情况): it ends with a line break, so it never runs into the
    subject of the paragraph under it.
    """
    lines: list[tuple[int, str]] = [
        (number, line.rstrip("\r"))
        for number, page in enumerate(pages, start=1)
        for line in page.splitlines()
        if line.strip() and not PAGE_FOOTER.match(line)
    ]
    widths = {number: max((len(line) for n, line in lines if n == number), default=0) for number, _ in lines}
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
        if _is_heading(line, widths[number]):
            parts.append("\n")
            length += 1
            previous = ""
    while len(starts) < len(pages):
        starts.append(length)
    return ProseText(text="".join(parts), page_starts=tuple(starts))


def _is_heading(line: str, page_width: int) -> bool:
    """一、基本情况, （三）部门整体收支情况, 1.制度建设情况: numbered, short, not a sentence's end."""
    stripped = line.strip()
    return (
        _HEADING_MARK.match(stripped) is not None
        and len(stripped) < _HEADING_SHARE * page_width
        and not stripped.endswith(_CLOSING)
    )


@dataclass(frozen=True)
class _Found:
    """A fact with where it was printed and, when it maps, its indicator's place in the catalog."""

    start: int
    position: int | None
    fact: Fact
    code: str | None = None


def extract_facts(
    prose: ProseText, wordings: Wordings | None = None, dimensions: Sequence[str] = ()
) -> list[Fact]:
    """`read_prose`'s facts alone."""
    return read_prose(prose, wordings, dimensions)[0]


def read_prose(
    prose: ProseText, wordings: Wordings | None = None, dimensions: Sequence[str] = ()
) -> tuple[list[Fact], list[UnreadStatement]]:
    """Every figure of the report, one per label (its first statement in reading order).

    Facts of the catalog come in the catalog's order (budget execution, results, scores); a fact
    that maps to nothing follows the mapped fact printed before it. `dimensions` are the score
    table's 一级指标 (履职效能 …), whose scores the prose restates with their full marks.
    """
    wordings = wordings or default_wordings()
    text = prose.text
    skipped = _overview_span(text)
    found: dict[str, _Found] = {}
    unread: list[UnreadStatement] = []

    def keep(item: _Found) -> None:
        if item.fact.label not in found and not skipped[0] <= item.start < skipped[1]:
            found[item.fact.label] = item

    for item in _figures(prose, wordings):
        if isinstance(item, UnreadStatement):
            unread.append(item)
        else:
            keep(item)
    for item in _grades(prose, wordings):
        keep(item)
    for item in _dimension_scores(prose, dimensions or DIMENSIONS):
        keep(item)
    return [item.fact for item in _ordered(found.values())], unread


def _ordered(items: Iterable[_Found]) -> list[_Found]:
    by_reading = sorted(items, key=lambda item: item.start)
    keyed: list[tuple[tuple[int, int, int], _Found]] = []
    anchor = -1
    for index, item in enumerate(by_reading):
        if item.position is not None:
            keyed.append(((item.position, 0, index), item))
            anchor = item.position
        else:
            keyed.append(((anchor, 1, index), item))
    return [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


def _overview_span(text: str) -> tuple[int, int]:
    """Where the report describes the department (（一）部门概况 … up to （二）; 一、部门概况 … up to
    二、, its own （一）… inside it): no results there."""
    heading = _OVERVIEW.search(text)
    if not heading:
        return (0, 0)
    top_level = not heading.group().startswith("（")
    ends = [
        found.start()
        for pattern in ((_NEXT_TOP_HEADING,) if top_level else (_NEXT_HEADING, _NEXT_TOP_HEADING))
        if (found := pattern.search(text, heading.end()))
    ]
    return (heading.start(), min(ends) if ends else heading.end())


def _clauses(text: str) -> Iterator[tuple[int, int]]:
    """Spans between clause punctuation; a parenthesis holding a figure is a clause of its own."""
    cuts = {match.start() for match in _CLAUSE_END.finditer(text)}
    for match in re.finditer(r"（[^（）]*）", text):
        if FIGURE.search(match.group()) and "满分" not in match.group():
            cuts.update((match.start(), match.end() - 1))
    start = 0
    for cut in sorted(cuts):
        if cut > start:
            yield start, cut
        start = cut + 1
    if start < len(text):
        yield start, len(text)


def _skip_opening(text: str, start: int, end: int) -> int:
    """Past item marks, time phrases and connectives that open a clause."""
    while start < end:
        match = _OPENING.match(text, start, end)
        if not match or match.end() == start:
            return start
        start = match.end()
    return start


def _figures(prose: ProseText, wordings: Wordings) -> Iterator[_Found | UnreadStatement]:
    text = prose.text
    # 满分 4 分，自评得分 4 分: an item's score against its full marks, the score table's to state.
    marked = [match.span() for match in _MARKED_SCORE.finditer(text)]
    previous_clause: tuple[int, int] | None = None
    sentence_codes: set[str] = set()
    listed_until = 0  # the figures of a 分别 list are read with their subjects, once
    last: _Found | None = None
    for clause_start, clause_end in _clauses(text):
        if clause_start > 0 and text[clause_start - 1] in _SENTENCE_END:
            # A figure takes its subject from its own sentence: where a scan lost the start of a
            # line, the sentence before names some other measure.
            sentence_codes = set()
            previous_clause = None
        if clause_start < listed_until:
            continue
        respectively = _RESPECTIVELY.search(text, clause_start, clause_end)
        listing = respectively and _respective(prose, wordings, clause_start, respectively, previous_clause)
        if listing:
            listed, listed_until, unread = listing
            yield from listed
            if unread is not None:
                yield unread
            last = listed[-1] if listed else None
            previous_clause = (clause_start, clause_end)
            continue
        figures = list(FIGURE.finditer(text, clause_start, clause_end))
        subject_start = clause_start
        for index, figure in enumerate(figures):
            if any(low <= figure.start() < high for low, high in marked):
                subject_start = figure.end()
                continue
            following = figures[index + 1].start() if index + 1 < len(figures) else clause_end
            item = _read_figure(
                prose, wordings, figure, subject_start, following, previous_clause, sentence_codes
            )
            if item is not None:
                item = _share_of_previous(text, clause_start, subject_start, figure, item, last)
                if item.code is not None:
                    sentence_codes.add(item.code)
                yield item
                last = item
            subject_start = figure.end()
        previous_clause = (clause_start, clause_end)


# 人员经费和公用经费分别为1,204.50万元、386.20万元: subjects listed, then 分别, then their figures.
_RESPECTIVELY = re.compile(r"分别")
_LIST_SEPARATOR = re.compile(r"\s*(?:以及|、|，|,|和|及|与|或)\s*")
# What may stand between 分别 and the first figure: a verb, a change (比上年增长), a bound.
_RESPECTIVE_VERB = re.compile(rf"[^\d{_SENTENCE_END}，,、]{{0,10}}?(?=\d)")
# A subject of a list that says what is shared: 占, 占比, 比重 — a share of what precedes it.
_SHARE = re.compile(r"^(?:约|分别)?(?:占|占比|比重)")


def _respective(
    prose: ProseText,
    wordings: Wordings,
    clause_start: int,
    respectively: re.Match[str],
    previous_clause: tuple[int, int] | None,
) -> tuple[list[_Found], int, UnreadStatement | None] | None:
    """A 分别 list: each subject before 分别 takes the figure in its place after it; the subjects
    stand in the clause or, when 分别 opens it, in the clause before. When the counts differ,
    nothing of the sentence lands (the pairing cannot be told): the statement is returned as
    unread, for the audit. Returns the facts, where the list's last figure ends, and that; None
    when no figure follows 分别 (分别占全市、全省一半), which is no list of figures."""
    text = prose.text
    verb = _RESPECTIVE_VERB.match(text, respectively.end())
    figures = _listed_figures(text, verb.end() if verb else respectively.end())
    if not figures:
        return None
    subjects_start = _skip_opening(text, clause_start, respectively.start())
    if subjects_start == respectively.start() and previous_clause is not None:
        subjects_start = _skip_opening(text, *previous_clause)
    named = re.sub(r"[，,]\s*$", "", text[subjects_start : respectively.start()])
    subjects = [subject for subject in _LIST_SEPARATOR.split(named) if subject.strip()]
    end = figures[-1].end
    if len(figures) != len(subjects):
        unread = UnreadStatement(
            text=text[subjects_start:end].strip(),
            reason=f"分别 pairs {len(subjects)} subjects with {len(figures)} figures",
            page=prose.page_at(subjects_start),
        )
        return [], end, unread
    middle = re.sub(r"\s+", "", verb.group()) if verb else ""
    # 分别超过600家、300家: a bound before the list holds for each of its figures.
    bound = _QUALIFIER.search(middle)
    found: list[_Found] = []
    for subject, figure in zip(subjects, figures, strict=True):
        match = wordings.best(subject + middle, figure.unit)
        label = match.indicator.name if match else _printed_subject(subject, "")
        if match is None and label and _CHANGE_ONLY.match(middle):
            label += middle  # 研发投入和营业收入分别增长12.5%和8.3%: each subject's change
        if not label:
            continue
        value = parse_amount(figure.value)
        base_value, base_unit = base_of(value, figure.unit)
        fact = Fact(
            label=label,
            value=value,
            unit=figure.unit,
            qualifier=(bound.group(1) if bound else None) or figure.qualifier,
            text=text[subjects_start : figure.end].strip(),
            page=prose.page_at(subjects_start),
            base_value=base_value,
            base_unit=base_unit,
        )
        if match is None:
            found.append(_Found(subjects_start, None, fact))
        else:
            found.append(_Found(subjects_start, match.indicator.position, fact, match.indicator.code))
    return found, end, None


@dataclass(frozen=True)
class _Listed:
    """One figure of a 分别 list: its number as printed, its unit, and its own bound (多, 以上)."""

    value: str
    unit: str
    qualifier: str | None
    end: int


_BARE_NUMBER = re.compile(rf"(?<![\d.,A-Za-z第])(?P<value>{NUMBER})(?![\d.%])")


def _listed_figures(text: str, position: int) -> list[_Listed]:
    """The figures after 分别, separated by 、 和 及 …: each with its unit, or, printed bare before
    the last one (分别举办120、45场), with the unit the list ends with."""
    bare: list[re.Match[str]] = []
    listed: list[_Listed] = []
    while True:
        figure = FIGURE.match(text, position)
        if figure is not None:
            unit = figure.group("unit")
            # A bare number's phrase runs to the unit it takes: 120 of 分别举办120、45场.
            listed += [_Listed(number.group("value"), unit, None, figure.end()) for number in bare]
            bare = []
            qualifier = figure.group("approx") or figure.group("above")
            listed.append(_Listed(figure.group("value"), unit, qualifier, figure.end()))
            end = figure.end()
        elif (number := _BARE_NUMBER.match(text, position)) is not None:
            bare.append(number)
            end = number.end()
        else:
            break
        separator = _LIST_SEPARATOR.match(text, end)
        if separator is None:
            break
        position = separator.end()
    return listed


def _share_of_previous(
    text: str, clause_start: int, subject_start: int, figure: re.Match[str], item: _Found, last: _Found | None
) -> _Found:
    """政府性基金支出2,310.00万元（占总支出的4.1%）: a share in parentheses is the share of the
    figure before them, labelled with that figure's subject."""
    if (
        last is None
        or clause_start == 0
        or text[clause_start - 1] not in "（("
        or subject_start != clause_start
    ):
        return item
    before = re.sub(r"\s+", "", text[_skip_opening(text, clause_start, figure.start()) : figure.start()])
    if not _SHARE.match(before):
        return item
    share = strip_suffixes(before, ("的", "为", "是"))
    end = figure.end() + 1 if text[figure.end() : figure.end() + 1] in ("）", ")") else figure.end()
    fact = dataclasses.replace(item.fact, label=last.fact.label + share, text=text[last.start : end].strip())
    return _Found(item.start, None, fact)


def _read_figure(
    prose: ProseText,
    wordings: Wordings,
    figure: re.Match[str],
    subject_start: int,
    following: int,
    previous_clause: tuple[int, int] | None,
    sentence_codes: set[str],
) -> _Found | None:
    text = prose.text
    unit = figure.group("unit")
    start = _skip_opening(text, subject_start, figure.start())
    before = text[start : figure.start()]
    after = text[figure.end() : following]
    counted_after = bool(after.strip()) and not after.lstrip().startswith(("、", "和", "及", "与"))
    match: Match | None
    changed: Match | None = None
    if counted_after:
        # 启动 29 家重大科技平台“大比武”: the measure is named around the number.
        start = _value_first_start(text, start, figure.start())
        before = text[start : figure.start()]
        match = _latest(wordings.candidates(before + after, unit), after)
        end = figure.end() + _end_of(match.wording, after) if match else figure.end() + len(after.rstrip())
    else:
        match = wordings.best(before, unit)
        if match is None and previous_clause is not None:
            # 同比增长14%, 集聚企业超 500 家: a change, or a count, of what the clause before names.
            context = text[previous_clause[0] : previous_clause[1]]
            match = wordings.best(context + before, unit, exclude=sentence_codes)
            if match is None and _CHANGE_ONLY.match(re.sub(r"\s+", "", before)):
                stated = FIGURE.search(context)
                changed = wordings.best(context, stated.group("unit")) if stated else None
        end = figure.end()
    if match is None and UNIT_KINDS[unit] == "score":
        return None  # a sub-item's score, restated from the score table
    label = match.indicator.name if match else _printed_subject(before, after if counted_after else "")
    if match is None and not counted_after and changed is not None:
        label = changed.indicator.name + re.sub(r"\s+", "", before)  # 研发投入强度较上年提高
    if not label:
        return None
    try:
        value = parse_amount(figure.group("value"))
    except ValueError:
        return None  # more decimals than the raw tables keep (3.14159%): not a reported figure
    base_value, base_unit = base_of(value, unit)
    qualifier = _QUALIFIER.search(before)
    fact = Fact(
        label=label,
        value=value,
        unit=unit,
        qualifier=(qualifier.group(1) if qualifier else figure.group("approx") or figure.group("above")),
        text=text[start:end].strip(),
        page=prose.page_at(start),
        base_value=base_value,
        base_unit=base_unit,
    )
    if match is None:
        return _Found(start, None, fact)
    return _Found(start, match.indicator.position, fact, match.indicator.code)


def _value_first_start(text: str, start: int, number: int) -> int:
    """Where a value-first phrase starts: at the item before 等 (文远知行等 5 家), after a year inside
    the clause (对 2022 年度 33 个…), else at the clause's start (启动 29 家…)."""
    before = text[start:number].rstrip()
    if before.endswith("等"):
        cut = max(before.rfind(mark) for mark in "、“”，,")
        return start + cut + 1 if cut >= 0 else start
    years = list(_YEAR_PHRASE.finditer(text, start, number))
    return _skip_opening(text, years[-1].end(), number) if years else start


def _latest(candidates: list[Match], after: str) -> Match | None:
    """Of the wordings around a number, the one that runs furthest: 10 家孵化器获国家级科技企业孵化器
    …优秀（A 类） counts the rated incubators, not the national ones its object names."""
    if not candidates:
        return None
    return max(candidates, key=lambda match: (_end_of(match.wording, after), match.score, len(match.wording)))


def _end_of(wording: str, after: str) -> int:
    """How far into `after` the wording's last character pair is printed (spaces ignored)."""
    kept = [(index, char) for index, char in enumerate(after) if not char.isspace()]
    squashed = "".join(char for _, char in kept)
    ends = [squashed.find(pair) + len(pair) for pair in pairs(wording) if pair in squashed]
    return kept[max(ends) - 1][0] + 1 if ends else 0


def _printed_subject(before: str, after: str) -> str:
    """The subject as printed, for a figure that maps to no indicator.

    Value first (5 家企业入选 2022 年胡润全球独角兽榜单): what the noun did, then the noun
    (入选2022年胡润全球独角兽榜单企业). Otherwise the words before the number, without scope words
    (全区, 我局 …) and the verbs and bounds between subject and number.
    """
    if after:
        phrase = re.sub(r"\s+", "", after)
        verb = _PREDICATE.search(phrase)
        if verb and verb.start() > 0:
            return phrase[verb.start() :] + phrase[: verb.start()]
        return phrase.rsplit("的", 1)[-1]
    subject = re.sub(r"\s+", "", before)
    if _CHANGE_ONLY.match(subject):
        return ""  # 同比增长14% opening a sentence: a change of nothing it names
    subject = strip_suffixes(_SCOPE.sub("", subject, count=1), _VERBS)
    return subject if len(subject) >= 2 and subject not in _VERBS else ""


def _grades(prose: ProseText, wordings: Wordings) -> Iterator[_Found]:
    """等级为优: the grade the report gives itself, a word."""
    grade = next((i for i in wordings.indicators.values() if i.code == "self_evaluation_grade"), None)
    if grade is None:
        return
    for match in _GRADE.finditer(prose.text):
        fact = Fact(
            label=grade.name,
            value=match.group("value"),
            unit=None,
            qualifier=None,
            text=match.group(),
            page=prose.page_at(match.start()),
        )
        yield _Found(match.start(), grade.position, fact)


# A dimension's score is labelled 履职效能自评得分（满分50分）.
DIMENSION_SCORE = "自评得分（满分"


def _dimension_scores(prose: ProseText, dimensions: Sequence[str]) -> Iterator[_Found]:
    """履职效能（满分50分，自评得分45.07分）: a dimension's score with its full marks."""
    names = "|".join(re.escape(name) for name in sorted(set(dimensions), key=len, reverse=True))
    pattern = re.compile(
        rf"(?P<dimension>{names})\s*(?:方面)?\s*[（(]\s*满分\s*(?P<full>{NUMBER})\s*分\s*[，,]\s*"
        rf"(?:自评)?得分\s*(?P<value>{NUMBER})\s*分\s*[）)]"
    )
    for match in pattern.finditer(prose.text):
        value = parse_amount(match.group("value"))
        base_value, base_unit = base_of(value, "分")
        fact = Fact(
            label=f"{match.group('dimension')}{DIMENSION_SCORE}{match.group('full')}分）",
            value=value,
            unit="分",
            qualifier=None,
            text=match.group(),
            page=prose.page_at(match.start()),
            base_value=base_value,
            base_unit=base_unit,
        )
        yield _Found(match.start(), None, fact)

"""The proof a document read by OCR must pass before it lands: its own identities, exactly.

A scanned amount reaches the records only when three readings of its cell agreed
(`ingest/scan/page.py`). That is evidence, not proof: here the document's figures must also add up
the way the document itself says they do, to the cent, or it is refused with `UnreadableScan`
naming the first figure that did not. The identities are those of reconciliation checks 1, 2, 4a,
4b, 5a and 5b (README, "Reconciliation"), read strictly: a scan gives no benefit of the doubt, so
an identity that cannot be evaluated (a line it needs is missing or blank) fails too.

A printed document goes through reconciliation after landing, where a failed identity holds the
document back with a finding; a scan's figures are checked before, because a failed identity there
most likely means a misread digit, and a guessed digit must never land.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingest.errors import UnreadableScan
from ingest.pdf.text import squash
from ingest.prose import PAGE_FOOTER
from ingest.records import BudgetLine, DocType, ParsedDocument, Project, Score
from ingest.scan import UNPROVEN
from ingest.self_eval import TOTAL_LABEL

ZERO = Decimal(0)
# A project table rounds each row to the cent: its unit total may differ from the sum of its rows by
# half a cent per row added (check 4b's tolerance).
HALF_CENT = Decimal("0.005")


def prove(document: ParsedDocument, path: Path) -> None:
    """UnreadableScan unless every identity of the document's kind holds exactly, and every figure
    of a target (what `ingest/targets.py` reads) was read the same by both engines."""
    _prove_targets(document, path)
    doc_type = document.header.doc_type
    if doc_type is DocType.DEPT_TARGET_FORM:
        _prove_form(document.budget_lines, path)
    elif doc_type is DocType.PROJECT_TARGET_TABLE:
        _prove_project_table(document.budget_lines, document.projects, path)
    else:
        _prove_scores(document.scores, path)


def prove_prose(page_texts: dict[int, str], path: Path) -> None:
    """A figure in prose has no identity to hold it: it stands on its readings alone, which must
    agree as an amount's do (`ingest/scan/page.py` marks one that does not). A report holding any
    unproven figure is refused, whether or not the prose reader takes it for a fact: a misread
    figure could as well be one it would have taken. Page footers (—11—) are not prose: the prose
    reader drops them unread."""
    for number, text in sorted(page_texts.items()):
        for line in text.splitlines():
            if UNPROVEN in line and not PAGE_FOOTER.match(line.replace(UNPROVEN, "")):
                raise UnreadableScan(
                    path,
                    f"page {number}: the figure at {_after_mark(line)!r} in the prose "
                    f"({squash(line)[:40]!r}) was not read the same by both engines",
                )


def _target_texts(document: ParsedDocument) -> Iterator[tuple[str, str]]:
    """(where, text) of every text the targets are read from (`ingest.targets.targets_of`)."""
    for indicator in document.indicators:
        where = f"page {indicator.page} row {indicator.row} {indicator.name}"
        yield where, indicator.annual_target
        if indicator.period_target is not None:
            yield where, indicator.period_target
    for task in document.key_tasks:
        yield f"page {task.pages[0]} row {task.row} {task.name}", task.goal
    for project in document.projects:
        for item in project.indicators:
            yield f"page {project.pages[0]} row {project.row} {item.name}", item.annual_target


def _prove_targets(document: ParsedDocument, path: Path) -> None:
    for where, text in _target_texts(document):
        if UNPROVEN in text:
            raise UnreadableScan(
                path,
                f"{where}: the figure at {_after_mark(text)!r} in its target was not read the same "
                "by both engines",
            )


def _after_mark(text: str) -> str:
    """What follows the first UNPROVEN mark: the unproven figure and a little of its context."""
    return text[text.index(UNPROVEN) + len(UNPROVEN) :][:12]


def unmarked(document: ParsedDocument) -> ParsedDocument:
    """The document with UNPROVEN taken out of its texts once it is proven: a figure in a name or a
    goal (第10.5代, 2023-2024年) is no figure any record or mart reads, and may carry OCR noise as the
    rest of the text does."""
    return _without_mark(document)  # type: ignore[no-any-return]


def _without_mark(value: Any) -> Any:
    if isinstance(value, str):  # enums among them, which never hold the mark
        return value.replace(UNPROVEN, "") if UNPROVEN in value else value
    if isinstance(value, list | tuple):
        return type(value)(_without_mark(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _without_mark(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    return value


def _unproven(
    path: Path, where: str, observed: str, value: Decimal | None, expected: str, should: Decimal | None
) -> UnreadableScan:
    return UnreadableScan(
        path,
        f"{where}: {observed} = {value} does not equal {expected} = {should}: a figure was misread "
        "or is missing",
    )


def _lines(lines: Iterable[BudgetLine]) -> dict[str, BudgetLine]:
    return {squash(line.label): line for line in lines}


def _amount(lines: dict[str, BudgetLine], *labels: str) -> Decimal | None:
    """The amount of the first of `labels` the block prints (None when none is, or it is blank)."""
    for label in labels:
        line = lines.get(label)
        if line is not None:
            return line.amount_wan_yuan
    return None


def _prove_form(budget_lines: Sequence[BudgetLine], path: Path) -> None:
    lines = _lines(budget_lines)
    blank = [label for label, line in lines.items() if line.amount_wan_yuan is None]
    if blank:
        raise UnreadableScan(path, f"预算整体情况 {blank[0]}: no amount read (a blank cannot be proven)")
    basic, project = _amount(lines, "基本支出"), _amount(lines, "项目支出")
    special, other_development = _amount(lines, "财政专项资金"), _amount(lines, "其他事业发展性支出")
    fiscal, other_funds = _amount(lines, "财政拨款"), _amount(lines, "其他资金")
    if fiscal is None or (basic is None and project is None):
        raise UnreadableScan(
            path,
            "预算整体情况: 财政拨款, 基本支出 or 项目支出 not read: the budget identity cannot be proven",
        )
    total = fiscal + (other_funds or ZERO)
    parts = (special or ZERO) + (other_development or ZERO)
    spent = (basic or ZERO) + (project or ZERO)
    # Check 1: the parts printed beside 项目支出, or (some templates) as its parts.
    if spent + parts != total and not (parts > 0 and parts == project and spent == total):
        raise _unproven(
            path,
            "预算整体情况 (check 1)",
            "基本支出+项目支出+财政专项资金+其他事业发展性支出",
            spent + parts,
            "财政拨款+其他资金",
            total,
        )
    # Check 2: 本级 + 对下 splits either the whole budget or its 财政专项资金.
    own = next(
        (line.amount_wan_yuan for label, line in lines.items() if label.endswith("本级使用资金")), None
    )
    transfer = _amount(lines, "拟用于对下转移支付资金")
    if own is None and transfer is None:
        return  # a form without the split
    split = (own or ZERO) + (transfer or ZERO)
    if split not in (total, special):
        raise _unproven(
            path,
            "按预算级次划分 (check 2)",
            "本级使用资金+拟用于对下转移支付资金",
            split,
            "财政拨款+其他资金",
            total,
        )


def _prove_project_table(unit_total: Sequence[BudgetLine], projects: Sequence[Project], path: Path) -> None:
    # Check 4a: each row's 总计 is the sum of its sources.
    for project in projects:
        sources = [project.fiscal, project.special_account, project.other]
        if project.total is None and all(value is None for value in sources):
            continue
        added = sum((value or ZERO for value in sources), ZERO)
        if project.total != added:
            raise _unproven(
                path,
                f"page {project.pages[0]} row {project.row} ({project.name[:20]})",
                "总计",
                project.total,
                "财政拨款+财政专户拨款+其他资金",
                added,
            )
    # Check 4b: the rows add up to the unit total, column by column.
    totals = _lines(unit_total)
    if not totals:
        raise UnreadableScan(path, "单位合计 not read: the project rows cannot be proven against it")
    columns = {"总计": "total", "财政拨款": "fiscal", "财政专户拨款": "special_account", "其他资金": "other"}
    for label, line in totals.items():
        field = columns.get(label)
        if field is None:
            continue
        figures = [getattr(project, field) for project in projects if getattr(project, field) is not None]
        added = sum(figures, ZERO)
        if line.amount_wan_yuan is None or abs(added - line.amount_wan_yuan) > HALF_CENT * len(figures):
            raise _unproven(
                path, f"单位合计 {label}", "the rows' sum", added, f"单位合计 {label}", line.amount_wan_yuan
            )


def _prove_scores(scores: Sequence[Score], path: Path) -> None:
    if not scores:
        return
    total = next((score for score in scores if score.level1 == TOTAL_LABEL), None)
    rows = [score for score in scores if score.level1 != TOTAL_LABEL]
    if total is None or total.score is None:
        raise UnreadableScan(path, f"{TOTAL_LABEL} not read: the score table cannot be proven")
    blank = next((score for score in rows if score.score is None), None)
    if blank is not None:
        raise UnreadableScan(path, f"page {blank.page} row {blank.row}: {blank.level2} 得分 not read")
    by_level1: dict[str, list[Score]] = defaultdict(list)
    for score in rows:
        by_level1[score.level1].append(score)
    # Check 5a: the 二级指标 scores add up to their 合计, where the table prints one.
    for level1, group in by_level1.items():
        subtotal = group[0].subtotal
        added = sum((score.score or ZERO for score in group), ZERO)
        if subtotal is not None and added != subtotal:
            raise _unproven(
                path,
                f"page {group[0].page} row {group[0].row} ({level1})",
                "二级指标得分之和",
                added,
                "合计",
                subtotal,
            )
    # Check 5b: everything adds up to 总分.
    added = sum((score.score or ZERO for score in rows), ZERO)
    if added != total.score:
        raise _unproven(
            path, f"page {total.page} row {total.row}", "得分之和", added, TOTAL_LABEL, total.score
        )

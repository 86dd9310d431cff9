"""The proof a document read by OCR must pass before it lands: its own identities, exactly.

A scanned amount reaches the records only when three readings of its cell agreed
(`ingest/scan/page.py`). That is evidence, not proof: here the document's figures must also add up
the way the document itself says they do, to the cent, or it is refused with `UnreadableScan`
naming the first figure that did not. The identities are those of reconciliation checks 1, 2, 4a,
4b, 5a and 5b (README, "Reconciliation"), read strictly: a scan gives no benefit of the doubt, so
an identity that cannot be evaluated (a line it needs is missing) fails too. A budget line read
blank is a cell with no ink in it, blank as printed: the identities hold with it blank, or the
document is refused. Which budget
lines add up to which is the seeds' (`ingest/budget.py`), as for the checks in dbt; check 4b's
rounding is written here, for the project table's parser too (`rounding_tolerance`).

A printed document goes through reconciliation after landing, where a failed identity holds the
document back with a finding; a scan's figures are checked before, because a failed identity there
most likely means a misread digit, and a guessed digit must never land.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ingest.budget import identity, line_amounts, line_of, project_amounts
from ingest.errors import UnreadableScan
from ingest.families.self_evaluation_report import TOTAL_LABEL
from ingest.pdf.text import squash
from ingest.prose import PAGE_FOOTER
from ingest.records import BudgetExecutionLine, BudgetLine, DocType, ParsedDocument, Project, Score
from ingest.scan import UNPROVEN

ZERO = Decimal(0)
HALF_CENT = Decimal("0.005")


def rounding_tolerance(n_rows: int) -> Decimal:
    """Check 4b: what rounding can put between rows and their printed total. Each figure is printed
    to the cent (0.01 万元), so each may be off by half a cent: every row added, and the total."""
    return HALF_CENT * (n_rows + 1)


def prove(document: ParsedDocument, path: Path) -> None:
    """UnreadableScan unless every identity of the document's kind holds exactly, and every figure
    of a target (what `ingest/targets.py` reads) was read the same by both engines."""
    _prove_targets(document, path)
    doc_type = document.header.doc_type
    if doc_type is DocType.DEPT_TARGET_FORM:
        _prove_form(document.budget_lines, path)
    elif doc_type is DocType.PROJECT_TARGET_TABLE:
        _prove_project_table(document.budget_lines, document.projects, path)
    elif doc_type in (DocType.DEPT_SELF_EVALUATION_TABLE, DocType.PROJECT_SELF_EVALUATION_TABLE):
        _prove_evaluation_table(document, path)
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
    for evaluated in document.evaluated_indicators:
        where = f"page {evaluated.page} row {evaluated.row} {evaluated.name}"
        yield where, evaluated.target
        yield f"{where} (its actual)", evaluated.actual or ""


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


def _prove_form(budget_lines: Sequence[BudgetLine], path: Path) -> None:
    # A line read blank was a cell with no ink (`ingest/scan/page.py`): blank as printed, and the
    # identities hold without it or the document is refused.
    amounts = line_amounts(budget_lines)
    spending = {"basic_expenditure", "project_expenditure"}
    if "fiscal_appropriation" not in amounts or not spending & amounts.keys():
        raise UnreadableScan(
            path,
            "预算整体情况: 财政拨款, 基本支出 or 项目支出 not read: the budget identity cannot be proven",
        )
    # Check 1: the parts printed beside 项目支出, or (some templates) as its parts.
    budget = identity("budget_identity")
    added, total = budget.sides(amounts)
    parts, project = identity("project_parts").sides(amounts)
    spent, _ = identity("budget_identity_with_parts").sides(amounts)
    if added != total and not ((parts or ZERO) > 0 and parts == project and spent == total):
        raise _unproven(
            path, "预算整体情况 (check 1)", budget.observed_label, added, budget.expected_label, total
        )
    # Check 2: 本级 + 对下 splits either the whole budget or its 财政专项资金.
    level_split = identity("level_split")
    split, _ = level_split.sides(amounts)
    if split is None:
        return  # a form without the split
    _, special = identity("level_split_special_funds").sides(amounts)
    if split not in (total, special):
        raise _unproven(
            path,
            "按预算级次划分 (check 2)",
            level_split.observed_label,
            split,
            level_split.expected_label,
            total,
        )


def _prove_project_table(unit_total: Sequence[BudgetLine], projects: Sequence[Project], path: Path) -> None:
    # Check 4a: each row's 总计 is the sum of its sources.
    row_total = identity("project_row_total")
    for project in projects:
        total, sources = row_total.sides(project_amounts(project))
        if total is None and sources is None:
            continue
        if total != (sources or ZERO):
            raise _unproven(
                path,
                f"page {project.pages[0]} row {project.row} ({project.name[:20]})",
                row_total.observed_label,
                total,
                row_total.expected_label,
                sources or ZERO,
            )
    # Check 4b: the rows add up to the unit total, column by column.
    totals = _lines(unit_total)
    if not totals:
        raise UnreadableScan(path, "单位合计 not read: the project rows cannot be proven against it")
    rows = [project_amounts(project) for project in projects]
    for label, line in totals.items():
        column = line_of(line)
        if column is None:
            continue
        figures = [row[column.code] for row in rows if column.code in row]
        added = sum(figures, ZERO)
        tolerance = rounding_tolerance(len(figures))
        if line.amount_wan_yuan is None or abs(added - line.amount_wan_yuan) > tolerance:
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


def _prove_evaluation_table(document: ParsedDocument, path: Path) -> None:
    """A self-evaluation table's identities (checks 10a-10e, read strictly): every weight and score
    within its weight, the weights and the scores adding up to 总分's, the 其中 lines to 年度资金总额,
    and 执行率 = 全年执行数 / 全年预算数 to the printed precision. A cell read blank stands only where
    the identities hold with it blank."""
    (summary,) = document.evaluation
    scored = [
        (f"page {line.page} row {line.row} {line.label}", line.weight, line.score)
        for line in document.execution_lines
        if line.weight is not None or line.score is not None
    ] + [
        (f"page {item.page} row {item.row} {item.name}", item.weight, item.score)
        for item in document.evaluated_indicators
    ]
    where_total = f"page {summary.page} row {summary.row} 总分"
    for where, weight, score in scored:
        if weight is None:
            raise UnreadableScan(path, f"{where}: 分值 not read")
        if score is not None and score > weight:
            raise _unproven(path, where, "得分", score, "at most its 分值", weight)
    weights = sum((weight or ZERO for _, weight, _ in scored), ZERO)
    if summary.total_weight is None or weights != summary.total_weight:
        raise _unproven(path, where_total, "分值之和", weights, "总分 分值", summary.total_weight)
    scores = sum((score or ZERO for _, _, score in scored), ZERO)
    if summary.total_score is None or scores != summary.total_score:
        raise _unproven(path, where_total, "得分之和", scores, "总分 得分", summary.total_score)
    _prove_execution(document.execution_lines, path)


def _prove_execution(lines: Sequence[BudgetExecutionLine], path: Path) -> None:
    if not lines:
        return
    total, parts = lines[0], lines[1:]
    for column in ("initial_budget", "annual_budget", "executed"):
        printed = [value for line in parts if (value := getattr(line, column)) is not None]
        expected = getattr(total, column)
        if printed and sum(printed, ZERO) != expected:
            added = sum(printed, ZERO)
            raise _unproven(path, f"page {total.page} {column}", "其中之和", added, total.label, expected)
    rate = total.execution_rate_percent
    if rate is None:
        return
    if total.executed is None or not total.annual_budget:
        raise UnreadableScan(
            path, f"page {total.page} row {total.row}: 执行率 {rate}% without 全年预算数 and 执行数"
        )
    exponent = rate.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    # Rounded half up as offices do, or cut: either way the printed digits are the quotient's.
    quotient = total.executed / total.annual_budget * 100
    computed = quotient.quantize(places, rounding=ROUND_HALF_UP)
    if rate not in (computed, quotient.quantize(places, rounding=ROUND_DOWN)):
        raise _unproven(
            path, f"page {total.page} row {total.row}", "执行数/全年预算数", computed, "执行率", rate
        )

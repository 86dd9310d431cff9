"""The score table of a 部门整体支出绩效自评报告 (`scores`): its rows matched to the header's columns by
position, whatever the page's grid, and closed by its 总分 row wherever that row's merged cells fall."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.errors import IncompleteDocument
from ingest.families.self_evaluation_report import scores
from ingest.pdf.reader import TableRow

TOP, BOTTOM = 100.0, 120.0


def _row(page: int, row: int, *cells: tuple[str, float, float]) -> TableRow:
    """A row of cells, each its text and the x-extent of its box (points)."""
    return TableRow(
        page,
        row,
        tuple(text for text, _, _ in cells),
        tuple((x0, TOP + 20 * row, x1, BOTTOM + 20 * row) for _, x0, x1 in cells),
    )


# 一级指标 narrower than 二级指标, as some offices print it (or a keystoned scan widens it).
LEVEL1, LEVEL2, SCORE, SUBTOTAL = (60.0, 120.0), (120.0, 260.0), (260.0, 340.0), (340.0, 420.0)
HEADER = _row(1, 1, ("一级指标", *LEVEL1), ("二级指标", *LEVEL2), ("得分", *SCORE), ("合计", *SUBTOTAL))
BODY = [
    _row(1, 2, ("履职效能", *LEVEL1), ("整体效能", *LEVEL2), ("45.07", *SCORE), ("45.07", *SUBTOTAL)),
    _row(1, 3, ("管理效率", *LEVEL1), ("预算编制", *LEVEL2), ("3", *SCORE), ("7", *SUBTOTAL)),
    _row(1, 4, ("", *LEVEL1), ("预算执行", *LEVEL2), ("4", *SCORE), ("", *SUBTOTAL)),
]


@pytest.mark.parametrize(
    ("label_cell", "figure_cell"),
    [
        ((LEVEL1[0], LEVEL2[1]), SCORE),  # the label across both levels, the figure under 得分
        ((LEVEL1[0], LEVEL2[1]), (SCORE[0], SUBTOTAL[1])),  # the figure across 得分 and 合计
        ((LEVEL1[0] - 30, LEVEL2[1] - 6), (SCORE[0] - 6, SUBTOTAL[1] - 6)),  # on the next page, shifted
    ],
    ids=["under-score", "across-score-and-subtotal", "shifted-on-the-next-page"],
)
def test_the_total_row_closes_the_table_wherever_its_merged_cells_fall(
    label_cell: tuple[float, float], figure_cell: tuple[float, float]
) -> None:
    total = _row(2, 1, ("总分", *label_cell), ("94.57", *figure_cell))
    found = scores([HEADER, *BODY, total])
    assert [(score.level1, score.level2, score.score) for score in found] == [
        ("履职效能", "整体效能", Decimal("45.07")),
        ("管理效率", "预算编制", Decimal("3")),
        ("管理效率", "预算执行", Decimal("4")),
        ("总分", None, Decimal("94.57")),
    ]


def test_a_subtotal_row_under_the_second_level_is_not_the_total() -> None:
    """合计 printed under 二级指标 alone closes a 一级指标's rows, not the table: without its 总分 row
    the table is incomplete."""
    subtotal = _row(1, 5, ("", *LEVEL1), ("合计", *LEVEL2), ("7", *SCORE), ("", *SUBTOTAL))
    with pytest.raises(IncompleteDocument, match="before its 总分 row"):
        scores([HEADER, *BODY, subtotal])

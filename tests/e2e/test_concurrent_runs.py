"""Two `jixiao run` started together on one state folder (the story's first nights, `concurrent_a`
and `concurrent_b`): the second waits for the first, neither fails on DuckDB's lock, and the warehouse
is right afterwards.

`airflow dags test` ignores max_active_runs and pools, so this is `jixiao run`'s own lock at work.
Both runs draw their status line as on a terminal (TTY_COMPATIBLE), so the parse progress they show
is in their output.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.e2e.conftest import WAITING, Story, in_order, mart_rows
from tests.e2e.test_nightly_run import mart_amount

pytestmark = pytest.mark.night


def test_both_runs_succeed_one_after_the_other(story: Story) -> None:
    nights = [story.nights["concurrent_a"], story.nights["concurrent_b"]]
    assert [night.returncode for night in nights] == [0, 0], "\n".join(n.output[-3000:] for n in nights)
    waits = [WAITING.findall(night.output) for night in nights]
    assert len([found for found in waits if found]) == 1, waits  # exactly one found the other running
    first, second = in_order(story)
    assert WAITING.findall(second.output) == [str(first.pid)]  # and named the run it waited for
    # The first landed the samples; the second ran after it had finished, so found them known (and
    # tried the broken download again).
    assert "4 new, 0 unchanged, 0 superseded, 1 quarantined" in first.output
    assert "0 new, 4 unchanged, 0 superseded, 1 quarantined" in second.output


def test_status_line_shows_documents_parsed(story: Story) -> None:
    first, second = in_order(story)
    assert "step 1/2: jixiao_landing, parsed 5/5 documents" in first.output  # the broken one counts
    assert "step 1/2: jixiao_landing, parsed 1/1 documents" in second.output
    assert "step 2/2: jixiao_transform" in first.output
    counts = [int(n) for n in re.findall(r"parsed (\d)/5 documents", first.output)]
    assert counts == sorted(counts)  # the count only goes up
    nothing = story.nights["cleaned_up"].output
    assert "step 1/2: jixiao_landing, no new documents to parse" in nothing


def test_warehouse_is_right_afterwards(story: Story) -> None:
    assert mart_amount(story.warehouse, "%黄埔区%", 2023, "财政拨款") == Decimal("364607.20")
    assert mart_amount(story.warehouse, "广州市科学技术局", 2023, "财政专项资金") == Decimal("470390.56")
    rows = mart_rows(story.warehouse)
    assert len([row for row in rows if row["measure_group"] in ("budget_line", "project_table_total")]) == 18
    assert len({row["document_sha256"] for row in rows}) == 3

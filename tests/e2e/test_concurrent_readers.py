"""BI readers during refreshes: reader processes query every mart in a loop, each time through a
short read-only connection, for the whole story (tests/e2e/conftest.py), refreshes and killed
nights included. No read may fail, and every read must see one published version whole: the run
id stamped in `meta.publication` and the marts' totals read in the same connection must be exactly
that run's."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Story

pytestmark = pytest.mark.night


def test_every_refresh_publishes_its_own_version(story: Story) -> None:
    # The first concurrent night (the second had nothing new to publish), recovered, and rejected
    # (it publishes all but the rejected form).
    assert len({snap["run_id"] for snap in story.published}) == 3


def test_readers_never_fail(story: Story) -> None:
    errors = [read["error"] for read in story.reads if "error" in read]
    assert errors == []
    assert len(story.reads) > 30


def test_every_read_sees_exactly_one_published_version(story: Story) -> None:
    published = {snap["run_id"]: snap for snap in story.published}
    seen_runs = set()
    for read in story.reads:
        snap = read["ok"]
        assert snap == published[snap["run_id"]]  # type: ignore[index]  # the whole read is that publication's
        seen_runs.add(snap["run_id"])  # type: ignore[index]
    assert len(seen_runs) >= 2  # the readers did overlap refreshes

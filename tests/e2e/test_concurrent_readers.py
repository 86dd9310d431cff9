"""BI readers during refreshes: reader processes query every mart in a loop, each time through a
short read-only connection, for the whole story (tests/e2e/conftest.py; the killed nights' readers
are test_crash_safety's). No read may fail, and every read must see one published version whole: the run
id stamped in `meta.publication` and the marts' totals read in the same connection must be exactly
that run's."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Story, read_problems

pytestmark = pytest.mark.night


def test_every_refresh_publishes_its_own_version(story: Story) -> None:
    # The first concurrent night (the second had nothing new to publish), cleaned_up, and rejected
    # (it publishes all but the rejected form).
    assert len({snap["run_id"] for snap in story.published}) == 3


def test_readers_never_fail(story: Story) -> None:
    errors, _ = read_problems(story)
    assert errors == []
    assert len(story.reads) > 30


def test_every_read_sees_exactly_one_published_version(story: Story) -> None:
    _, mixed = read_problems(story)
    assert mixed == []  # each read's run id and totals are that publication's, whole
    seen_runs = {read["ok"]["run_id"] for read in story.reads}  # type: ignore[index]
    assert len(seen_runs) >= 2  # the readers did overlap refreshes

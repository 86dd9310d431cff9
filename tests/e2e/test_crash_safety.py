"""kill -9 in the middle of a night (the story's `killed_parsing` and `killed_dbt`): the served
warehouse stays as it was, nothing half-written is left for the next night, which converges."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Story, without

pytestmark = pytest.mark.night


def test_kill_during_parsing_leaves_the_served_warehouse_and_no_half_document(story: Story) -> None:
    assert story.digests["killed_parsing"] == story.digests["concurrent_b"]
    assert story.leftovers["killed_parsing"] == []  # a temp folder is never renamed half-written


def test_kill_during_the_dbt_build_leaves_the_served_warehouse(story: Story) -> None:
    assert story.digests["killed_dbt"] == story.digests["concurrent_b"]


def test_the_next_night_converges(story: Story) -> None:
    recovered = story.nights["recovered"]
    assert recovered.returncode == 0, recovered.output[-3000:]
    assert "0 quarantined" in recovered.output
    # Every document was re-published with new bytes: the same figures, from the new versions.
    before, after = story.marts["concurrent_b"], story.marts["recovered"]
    assert without(after, "document_sha256") == without(before, "document_sha256")
    assert {row["document_sha256"] for row in after}.isdisjoint(row["document_sha256"] for row in before)

"""Reconciliation's acceptance test, through the nightly DAGs (the story's `rejected` night).

Before that night the office re-publishes 黄埔's 2023 form with 基本支出 changed (its .xlsx
re-printed by LibreOffice), so the budget identity no longer holds: the run must end failed, name
the document, the check and both sides, keep the new version out of the marts (the accepted version
serves: the marts equal the night before's) and publish the rest.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.e2e.conftest import HUANGPU_FORM, Story

pytestmark = pytest.mark.night


def test_the_night_before_passes_every_error_check(story: Story) -> None:
    night = story.nights["cleaned_up"]
    assert night.returncode == 0, night.output[-3000:]
    assert "0 failed" in night.output


def test_the_run_with_a_sum_that_does_not_add_up_ends_failed_naming_document_check_and_sides(
    story: Story,
) -> None:
    night = story.nights["rejected"]
    assert night.returncode != 0
    failure = next(
        line for line in night.output.splitlines() if "budget_identity" in line and HUANGPU_FORM in line
    )
    assert "364,707.2" in failure and "364,607.2" in failure
    assert "1 new, 3 unchanged, 1 superseded" in night.output
    assert "1 failed" in night.output and "the rest was published" in night.output


def test_the_rejected_version_stays_out_and_the_accepted_one_serves(story: Story) -> None:
    assert story.marts["rejected"] == story.marts["cleaned_up"]
    with duckdb.connect(str(story.warehouse), read_only=True) as connection:
        versions = connection.execute(
            "select document_status, count(*) from staging.stg_raw__documents"
            " where source_path = ? group by all order by all",
            [HUANGPU_FORM],
        ).fetchall()
        failed = connection.execute(
            "select check_id, observed, expected from reconciliation.results where outcome = 'failed'"
        ).fetchall()
    # Both versions landed (the sample's, the re-printed one, current but rejected); the sample's,
    # the newest accepted, serves.
    assert versions == [("current", 1), ("superseded", 1)]
    assert [(check, str(observed), str(expected)) for check, observed, expected in failed] == [
        ("budget_identity", "364707.2000", "364607.2000")
    ]


def test_a_night_with_nothing_new_rebuilds_nothing_and_still_fails_for_the_rejection(story: Story) -> None:
    night = story.nights["rejected_again"]
    assert night.returncode != 0
    assert "nothing changed since the publication of" in night.output
    assert "checks: not run (nothing changed)" in night.output
    assert any("budget_identity" in line and HUANGPU_FORM in line for line in night.output.splitlines())
    assert story.digests["rejected_again"] == story.digests["rejected"]  # the served file untouched


def test_a_failed_verdict_mails_the_run_the_task_and_the_rejected_document(story: Story) -> None:
    """Alerts are on for the story's nights (JIXIAO_ALERT_EMAIL and JIXIAO_ALERT_APPRISE_CONN_ID, an
    SMTP server and a webhook of the test's own): the nights that fail send one message each on both
    channels, from the verdict, naming the rejected document and its check; the nights that pass
    send none."""
    verdicts = [mail for mail in story.mails if "reconciliation_verdict" in str(mail["Subject"])]
    assert len(verdicts) == 2  # `rejected`, then `rejected_again` (the rejection still stands)
    assert len(story.mails) == 2
    for mail in verdicts:
        assert mail["To"] == "ops@example.org" and mail["From"] == "jixiao@example.org"
        assert str(mail["Subject"]).startswith("jixiao: jixiao_transform failed at reconciliation_verdict (")
        body = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert HUANGPU_FORM in body and "budget_identity" in body

    # The same alerts through Apprise, to a JSON webhook (as a 钉钉/企业微信 robot would take them).
    assert [hook["title"] for hook in story.webhooks] == [str(mail["Subject"]) for mail in verdicts]
    for hook in story.webhooks:
        assert hook["type"] == "failure"
        assert HUANGPU_FORM in hook["message"] and "budget_identity" in hook["message"]

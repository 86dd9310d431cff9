"""Alerts (jixiao/airflow/alerts.py) through Airflow's own notifiers to real servers of the test's:
which notifiers a task gets, the deadline alert each DAG gets, and the deadline's callback sending
its message by mail and by webhook. The failure alerts of real nights: tests/e2e (the story's
rejected nights) and tests/deploy (the compose stack's night)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from jixiao.airflow.alerts import failure_notifiers, night_deadlines, night_not_finished
from jixiao.runtime.settings import Settings, SettingsError
from tests.alert_sinks import AlertSinks, alert_sinks
from tests.conftest import PROJECT_ROOT

BOTH_CHANNELS = {
    "JIXIAO_ALERT_EMAIL": "ops@example.org, duty@example.org",
    "JIXIAO_ALERT_APPRISE_CONN_ID": "chat",
}


@pytest.fixture
def sinks(monkeypatch: pytest.MonkeyPatch) -> Iterator[AlertSinks]:
    with alert_sinks() as sinks:
        for name, value in sinks.alert_env().items():
            monkeypatch.setenv(name, value)
        yield sinks


def test_a_failed_task_notifies_each_channel_configured_and_none_by_default() -> None:
    from airflow.providers.apprise.notifications.apprise import AppriseNotifier
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    assert failure_notifiers(Settings.from_env({})) == []
    mail, chat = failure_notifiers(Settings.from_env(BOTH_CHANNELS))
    assert isinstance(mail, SmtpNotifier) and isinstance(chat, AppriseNotifier)
    assert mail.to == ["ops@example.org", "duty@example.org"] and mail.smtp_conn_id == "smtp_default"
    assert chat.apprise_conn_id == "chat"


def test_the_deadline_is_off_without_minutes_or_without_a_channel() -> None:
    assert night_deadlines(Settings.from_env(BOTH_CHANNELS)) == []
    assert night_deadlines(Settings.from_env({"JIXIAO_NIGHT_DEADLINE_MINUTES": "30"})) == []


def test_a_night_deadline_counts_from_the_run_being_queued() -> None:
    from airflow.sdk.definitions.deadline import DeadlineReference

    (alert,) = night_deadlines(Settings.from_env({**BOTH_CHANNELS, "JIXIAO_NIGHT_DEADLINE_MINUTES": "240"}))
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert alert.interval == timedelta(hours=4)
    assert alert.callback.path == "jixiao.airflow.alerts.night_not_finished"
    assert alert.callback.kwargs["emails"] == ["ops@example.org", "duty@example.org"]


def test_a_deadline_of_the_wrong_form_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="JIXIAO_NIGHT_DEADLINE_MINUTES='4h'"):
        Settings.from_env({"JIXIAO_NIGHT_DEADLINE_MINUTES": "4h"})


def test_the_deadline_callback_sends_one_message_per_channel(sinks: AlertSinks) -> None:
    """The callback as the triggerer calls it: with the context the scheduler gives a missed deadline."""
    context = {
        "dag_run": {
            "dag_id": "jixiao_transform",
            "dag_run_id": "asset_triggered__2026-11-25T18:00:07",
            "queued_at": "2026-11-25T18:00:07+00:00",
            "state": "running",
        },
        "deadline": {"id": "0193", "deadline_time": "2026-11-25T22:00:07+00:00"},
    }
    asyncio.run(
        night_not_finished(
            context=context, minutes=240, emails=["ops@example.org"], smtp_conn_id="smtp_default",
            apprise_conn_id="jixiao_chat",
        )
    )  # fmt: skip
    (mail,) = sinks.mails
    assert mail["To"] == "ops@example.org" and mail["From"] == "jixiao@example.org"
    assert str(mail["Subject"]) == (
        "jixiao: jixiao_transform not finished 240 min after it was queued"
        " (asset_triggered__2026-11-25T18:00:07)"
    )
    body = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "2026-11-25T22:00:07+00:00" in body and "running" in body
    (webhook,) = sinks.webhooks
    assert webhook["title"] == str(mail["Subject"]) and webhook["type"] == "warning"
    assert "JIXIAO_NIGHT_DEADLINE_MINUTES=240" in webhook["message"]


def test_the_chat_robots_the_readme_shows_are_urls_apprise_takes() -> None:
    """钉钉 and 企业微信 robots cannot be reached from here: their URLs as the README writes them are
    checked to be services Apprise knows, with the parts it needs."""
    import apprise

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    urls = re.findall(r"`((?:dingtalk|wecombot)://[^`]+)`", readme)
    assert {url.split(":")[0] for url in urls} == {"dingtalk", "wecombot"}
    for url in urls:
        assert apprise.Apprise().add(url), url

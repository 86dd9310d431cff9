"""Who is told when a night goes wrong, through Airflow's notifiers, on two occasions:

- a task fails for good (after its retries): every task of both DAGs notifies. The message names
  the DAG, the run and the task; the exception says why, and for a failed reconciliation verdict it
  lists each rejected or held-back document with the check it failed;
- a night not finished in time: each DAG run still running `JIXIAO_NIGHT_DEADLINE_MINUTES` after it
  was queued notifies once (an Airflow deadline alert; the triggerer sends it).

Two channels, each off until configured: mail (`JIXIAO_ALERT_EMAIL` names the recipients; server,
login and sender come from the SMTP connection `JIXIAO_ALERT_SMTP_CONN_ID`), and Apprise
(`JIXIAO_ALERT_APPRISE_CONN_ID`, an Airflow connection whose config lists the services' URLs: a
钉钉 (DingTalk) robot `dingtalk://…`, a 企业微信 (WeCom) group robot `wecombot://…`, Slack, …).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jixiao.runtime.settings import Settings

SUBJECT = "jixiao: {{ dag.dag_id }} failed at {{ ti.task_id }} ({{ run_id }})"
HTML_BODY = (
    "<p>The run <b>{{ run_id }}</b> of <b>{{ dag.dag_id }}</b> failed at the task "
    "<b>{{ ti.task_id }}</b>, try {{ ti.try_number }}.</p>"
    "<pre>{{ exception | string | e }}</pre>"
    "<p>Its log: {{ ti.log_url }}</p>"
)
TEXT_BODY = (
    "The run {{ run_id }} of {{ dag.dag_id }} failed at the task {{ ti.task_id }}, try {{ ti.try_number }}.\n"
    "{{ exception | string }}\n"
    "Its log: {{ ti.log_url }}"
)


def _notifiers(
    emails: list[str],
    smtp_conn_id: str,
    apprise_conn_id: str,
    *,
    subject: str,
    html: str,
    text: str,
    notify_type: str,
) -> list[Any]:
    """One notifier per channel configured: mail to `emails`, and Apprise's services."""
    notifiers: list[Any] = []
    # Imported only when a channel is on: a DAG parses without the providers' imports otherwise.
    if emails:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifiers.append(
            SmtpNotifier(to=emails, subject=subject, html_content=html, smtp_conn_id=smtp_conn_id)
        )
    if apprise_conn_id:
        from airflow.providers.apprise.notifications.apprise import AppriseNotifier
        from apprise import NotifyType

        notifiers.append(
            AppriseNotifier(
                title=subject, body=text, notify_type=NotifyType(notify_type), apprise_conn_id=apprise_conn_id
            )
        )
    return notifiers


def failure_notifiers(settings: Settings) -> list[Any]:
    """The notifiers every task calls as it fails for good; none when no channel is configured."""
    return _notifiers(
        list(settings.alert_emails),
        settings.alert_smtp_conn_id,
        settings.alert_apprise_conn_id,
        subject=SUBJECT,
        html=HTML_BODY,
        text=TEXT_BODY,
        notify_type="failure",
    )


def night_deadlines(settings: Settings) -> list[Any]:
    """The deadline alert of a DAG run: notify when it has not ended this long after it was queued;
    none unless both a deadline and a channel are configured."""
    if settings.night_deadline_minutes is None or not (
        settings.alert_emails or settings.alert_apprise_conn_id
    ):
        return []
    from airflow.sdk.definitions.callback import AsyncCallback
    from airflow.sdk.definitions.deadline import DeadlineAlert, DeadlineReference

    return [
        DeadlineAlert(
            reference=DeadlineReference.DAGRUN_QUEUED_AT,
            interval=timedelta(minutes=settings.night_deadline_minutes),
            callback=AsyncCallback(
                night_not_finished,
                kwargs={
                    "minutes": settings.night_deadline_minutes,
                    "emails": list(settings.alert_emails),
                    "smtp_conn_id": settings.alert_smtp_conn_id,
                    "apprise_conn_id": settings.alert_apprise_conn_id,
                },
            ),
        )
    ]


def deadline_message(context: dict[str, Any], minutes: int) -> tuple[str, str]:
    """Subject and text of a night-not-finished alert, from the run the scheduler describes."""
    run = context.get("dag_run") or {}
    deadline = (context.get("deadline") or {}).get("deadline_time", "")
    subject = (
        f"jixiao: {run.get('dag_id')} not finished {minutes} min after it was queued"
        f" ({run.get('dag_run_id')})"
    )
    text = (
        f"The run {run.get('dag_run_id')} of {run.get('dag_id')} was queued at {run.get('queued_at')} "
        f"and had not ended by its deadline, {deadline} (JIXIAO_NIGHT_DEADLINE_MINUTES={minutes}). "
        f"Its state then: {run.get('state')}."
    )
    return subject, text


async def night_not_finished(
    context: dict[str, Any],
    minutes: int,
    emails: list[str],
    smtp_conn_id: str,
    apprise_conn_id: str,
) -> None:
    """The deadline alert's callback, run in the triggerer: one message on every channel configured."""
    from html import escape

    subject, text = deadline_message(context, minutes)
    html = f"<p>{escape(text)}</p>"
    for notifier in _notifiers(
        emails, smtp_conn_id, apprise_conn_id, subject=subject, html=html, text=text, notify_type="warning"
    ):
        await notifier.async_notify(context)

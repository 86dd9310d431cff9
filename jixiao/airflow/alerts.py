"""Who is told when a night fails: every task of both DAGs notifies, as it fails for good (after its
retries), through Airflow's SMTP notifier. The mail names the DAG, the run and the task; the
exception says why, and for a failed reconciliation verdict it lists each rejected or held-back
document with the check it failed.

Off until `JIXIAO_ALERT_EMAIL` names recipients; the server, its login and the sender come from the
Airflow connection `JIXIAO_ALERT_SMTP_CONN_ID` (default `smtp_default`, e.g. set as
`AIRFLOW_CONN_SMTP_DEFAULT`, sender in its `from_email` extra).
"""

from __future__ import annotations

from typing import Any

from jixiao.runtime.settings import Settings

SUBJECT = "jixiao: {{ dag.dag_id }} failed at {{ ti.task_id }} ({{ run_id }})"
BODY = (
    "<p>The run <b>{{ run_id }}</b> of <b>{{ dag.dag_id }}</b> failed at the task "
    "<b>{{ ti.task_id }}</b>, try {{ ti.try_number }}.</p>"
    "<pre>{{ exception | string | e }}</pre>"
    "<p>Its log: {{ ti.log_url }}</p>"
)


def failure_notifiers(settings: Settings) -> list[Any]:
    """The notifiers every task calls as it fails; none when no recipient is configured."""
    if not settings.alert_emails:
        return []
    # Imported only when alerts are on: the SMTP provider is not needed to parse a DAG otherwise.
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [
        SmtpNotifier(
            to=list(settings.alert_emails),
            subject=SUBJECT,
            html_content=BODY,
            smtp_conn_id=settings.alert_smtp_conn_id,
        )
    ]

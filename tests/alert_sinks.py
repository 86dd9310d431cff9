"""Where the tests' alerts arrive: a real SMTP server (aiosmtpd) as the operator's mailbox, and a real
HTTP server taking the JSON webhooks Apprise posts (`json://host:port/`), as a chat robot's endpoint
would. Each keeps what it receives, in order."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.deploy.stack import free_port


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class AlertSinks:
    """Both sinks, listening on `host` (loopback, or every address for containers)."""

    smtp_port: int
    webhook_port: int
    mails: list[EmailMessage] = field(default_factory=list)
    webhooks: list[dict[str, Any]] = field(default_factory=list)

    def smtp_connection(self, host: str = "127.0.0.1") -> str:
        """The Airflow connection URI of the SMTP server: no TLS, the sender in its extra."""
        return f"smtp://{host}:{self.smtp_port}?disable_ssl=true&disable_tls=true&from_email=jixiao%40example.org"

    def apprise_connection(self, host: str = "127.0.0.1") -> str:
        """The Airflow connection (JSON form) of an Apprise service posting to the webhook sink."""
        return json.dumps(
            {"conn_type": "apprise", "extra": {"config": {"path": f"json://{host}:{self.webhook_port}/"}}}
        )

    def alert_env(self, host: str = "127.0.0.1") -> dict[str, str]:
        """Alerts on both channels, to these sinks."""
        return {
            "JIXIAO_ALERT_EMAIL": "ops@example.org",
            "AIRFLOW_CONN_SMTP_DEFAULT": self.smtp_connection(host),
            "JIXIAO_ALERT_APPRISE_CONN_ID": "jixiao_chat",
            "AIRFLOW_CONN_JIXIAO_CHAT": self.apprise_connection(host),
        }


@contextmanager
def alert_sinks(bind: str = "127.0.0.1") -> Iterator[AlertSinks]:
    mailbox = _Mailbox()
    sinks = AlertSinks(free_port(), free_port(), mailbox.messages)

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            sinks.webhooks.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    smtp = Controller(mailbox, hostname=bind, port=sinks.smtp_port)
    smtp.start()
    webhook = ThreadingHTTPServer((bind, sinks.webhook_port), Webhook)
    thread = threading.Thread(target=webhook.serve_forever, daemon=True)
    thread.start()
    try:
        yield sinks
    finally:
        webhook.shutdown()
        webhook.server_close()
        smtp.stop()

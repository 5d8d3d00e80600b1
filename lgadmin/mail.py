"""send_mail(): through Flask-Mail, or into the outbox folder when no MAIL_SERVER is set."""

import re
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from flask import current_app
from flask_mail import Message

from .extensions import mail


def build_message(to: str, subject: str, text: str, html: str | None = None, headers=None):
    return Message(
        subject=subject,
        recipients=[to],
        body=text,
        html=html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=dict(headers or {}),
    )


def send_mail(to: str, subject: str, text: str, html: str | None = None, headers=None) -> None:
    message = build_message(to, subject, text, html, headers)
    outbox = current_app.config.get("LGADMIN_OUTBOX")
    if outbox:
        write_to_outbox(Path(outbox), message)
    else:
        mail.send(message)


def write_to_outbox(outbox: Path, message: Message) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", message.recipients[0])
    path = outbox / f"{stamp}-{recipient}-{uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    return path

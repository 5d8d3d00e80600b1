"""send_mail(): through Flask-Mail, or into the outbox folder when no MAIL_SERVER is set.

Mail sent for an account carries the market and account it was sent for, so
delivery reports (bounces, complaints) can be matched back to that account.
"""

import json
import re
from pathlib import Path
from uuid import uuid4

from flask import current_app, render_template
from flask_mail import Message

from .deliverability.sends import record_send
from .deliverability.unsubscribe import (
    list_unsubscribe_headers,
    unsubscribe_url,
    with_unsubscribe_link,
)
from .extensions import mail
from .timeutil import utcnow

MARKET_HEADER = "X-LGAdmin-Market"
ACCOUNT_HEADER = "X-LGAdmin-Account"


def build_message(to: str, subject: str, text: str, html: str | None = None, headers=None):
    return Message(
        subject=subject,
        recipients=[to],
        body=text,
        html=html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=dict(headers or {}),
    )


def may_receive(account, *, bulk: bool) -> bool:
    """Receipts and password mail go to everyone but a hard-bounced address;
    newsletters and campaigns only to those with Receives Mailings on."""
    if account.email_bounced_at is not None:
        return False
    return account.receives_mailings or not bulk


def account_headers(account) -> dict:
    market, account_id = str(account.market_id or ""), str(account.id)
    return {
        MARKET_HEADER: market,
        ACCOUNT_HEADER: account_id,
        # The same, in the forms Postmark (Metadata) and Mailgun (user-variables) report back.
        "X-PM-Metadata-lgadmin-market": market,
        "X-PM-Metadata-lgadmin-account": account_id,
        "X-Mailgun-Variables": json.dumps(
            {"lgadmin-market": market, "lgadmin-account": account_id}
        ),
    }


def send_mail(to: str, subject: str, text: str, html: str | None = None, headers=None) -> None:
    message = build_message(to, subject, text, html, headers)
    outbox = current_app.config.get("LGADMIN_OUTBOX")
    if outbox:
        write_to_outbox(Path(outbox), message)
    else:
        mail.send(message)


def send_to_account(account, subject: str, template: str, *, bulk: bool = False, **context) -> bool:
    """Render `template` (.txt, and .html when it exists) for `account` and send it.

    Returns False, sending nothing, when the account may not receive this kind of mail.
    """
    if not may_receive(account, bulk=bulk):
        return False
    headers = account_headers(account)
    unsubscribe = unsubscribe_url(account) if bulk and account.market_id else None
    if unsubscribe:
        headers.update(list_unsubscribe_headers(unsubscribe))
        context.setdefault("unsubscribe_url", unsubscribe)
    context.setdefault("account", account)
    text = render_template(f"{template}.txt", **context)
    html_name = f"{template}.html"
    html = (
        render_template(html_name, **context)
        if html_name in current_app.jinja_env.list_templates()
        else None
    )
    if unsubscribe:
        text, html = with_unsubscribe_link(text, html, unsubscribe)
    send_mail(account.email, subject, text, html, headers)
    if account.market_id:
        record_send(account.market_id)  # in the caller's transaction, like its comments
    return True


def write_to_outbox(outbox: Path, message: Message) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", message.recipients[0])[-80:]
    path = outbox / f"{stamp}-{recipient}-{uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    return path

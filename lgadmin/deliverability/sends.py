"""Sending to an account (who may receive what, where replies go, the unsubscribe link),
and sends and hard bounces per market: the domain-level warning of the dashboard.

lgadmin.mail only renders and transports; the mailing rules are here."""

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import Account
from ..extensions import db
from ..mail import (
    account_headers,
    market_unsubscribe_mailto,
    render_parts,
    send_mail,
)
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from .models import MailEvent, MailEventKind, MailSend
from .unsubscribe import list_unsubscribe_headers, unsubscribe_url, with_unsubscribe_link

WINDOW = timedelta(hours=24)
REPLY_TO_MANAGERS = 3  # the default Reply-To: the market's first few active managers


def record_send(market_id: int) -> None:
    """One message sent for an account of the market, in the caller's transaction."""
    db.session.add(MailSend(market_id=market_id, sent_at=utcnow()))


def bounce_warning(market: Market, now: datetime | None = None) -> dict | None:
    """The market's hard bounces of the last 24 hours, when they reach both thresholds
    (LGADMIN_BOUNCE_ALERT_COUNT and LGADMIN_BOUNCE_ALERT_RATE of its sends); else None."""
    since = (now or utcnow()) - WINDOW
    reasons = db.session.scalars(
        select(MailEvent.reason).where(
            of_market(MailEvent, market),
            MailEvent.received_at >= since,
            MailEvent.kind == MailEventKind.HARD_BOUNCE,
        )
    ).all()
    bounces = len(reasons)
    if bounces == 0 or bounces < current_app.config["LGADMIN_BOUNCE_ALERT_COUNT"]:
        return None
    sends = db.session.scalar(
        select(func.count())
        .select_from(MailSend)
        .where(of_market(MailSend, market), MailSend.sent_at >= since)
    )
    # Bounces without recorded sends (mail sent by another system) count as all bounced.
    rate = bounces / sends if sends else 1.0
    if rate < current_app.config["LGADMIN_BOUNCE_ALERT_RATE"]:
        return None
    common = Counter(reason.strip() or "no reason given" for reason in reasons).most_common(3)
    return {"bounces": bounces, "sends": sends, "rate": rate, "reasons": common}


def market_reply_to(market, *, default: bool = False) -> list[str]:
    """Where a reply reaches the market: its own Reply-To, else its active managers
    (only the latter with default=True)."""
    if market is None:
        return []
    if market.mail_reply_to and not default:
        return [market.mail_reply_to]
    return list(
        db.session.scalars(
            select(Account.email)
            .where(
                of_market(Account, market),
                Account.is_manager.is_(True),
                Account.active.is_(True),
                Account.email_bounced_at.is_(None),
            )
            .order_by(Account.id)
            .limit(REPLY_TO_MANAGERS)
        )
    )


def may_receive(account, *, bulk: bool) -> bool:
    """Receipts and password mail go to everyone but a hard-bounced address;
    newsletters and campaigns only to those with Receives Mailings on."""
    if account.email_bounced_at is not None:
        return False
    return account.receives_mailings or not bulk


def send_to_account(account, subject: str, template: str, *, bulk: bool = False, **context) -> bool:
    """Render `template` (.txt and .html) for `account` and send it as its market.

    Returns False, sending nothing, when the account may not receive this kind of mail.
    """
    if not may_receive(account, bulk=bulk):
        return False
    market = account.market
    headers = account_headers(account)
    unsubscribe = unsubscribe_url(account) if bulk and account.market_id else None
    if unsubscribe:
        headers.update(list_unsubscribe_headers(unsubscribe, market_unsubscribe_mailto(market)))
        context.setdefault("unsubscribe_url", unsubscribe)
    context.setdefault("account", account)
    context.setdefault("market", market)
    text, html = render_parts(template, **context)
    if unsubscribe:
        text, html = with_unsubscribe_link(text, html, unsubscribe)
    send_mail(account.email, subject, text, html, headers, market, reply_to=market_reply_to(market))
    if account.market_id:
        record_send(account.market_id)  # in the caller's transaction, like its comments
    return True

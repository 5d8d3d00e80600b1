"""Sends and hard bounces per market: the domain-level warning of the dashboard."""

from collections import Counter
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from .models import MailEvent, MailEventKind, MailSend

WINDOW = timedelta(hours=24)


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

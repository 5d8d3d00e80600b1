"""Telling the shopper a manager helped with their account (a manager can't turn this off)."""

from ..deliverability.sends import send_to_account
from ..extensions import db
from ..timeutil import format_datetime
from .models import ActAsSession


def send_help_notice(session_id: int) -> None:
    record = db.session.get(ActAsSession, session_id)
    if record is None:
        return
    shopper = record.shopper
    market = shopper.market
    send_to_account(
        shopper,
        f"A manager of {market.name} helped with your account",
        "lgadmin/mail/act_as_notice",
        market=market,
        when=format_datetime(record.started_at, market),
    )

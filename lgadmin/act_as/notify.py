"""Telling the shopper a manager helped with their account (a manager can't turn this off)."""

from ..customers.comments import local_time_label
from ..extensions import db
from ..mail import send_to_account
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
        when=local_time_label(record.started_at, market.timezone),
    )

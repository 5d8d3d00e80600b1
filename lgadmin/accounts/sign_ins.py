"""A sign-in, however it happened (password, emailed link, signup), as the account keeps it."""

from ..audit.service import record
from ..extensions import db
from ..timeutil import utcnow
from .models import Account

SIGN_IN_SUMMARIES = {
    "password": "Signed in",
    "link": "Signed in with an emailed link",
    "signup": "Signed in after signing up",
}


def record_sign_in(account: Account, method: str = "password") -> None:
    """Keep the last sign-in time and an audit row for the customer's timeline; commits."""
    account.last_sign_in_at = utcnow()
    record(
        account,
        account.market_id,
        "auth.signed_in",
        account,
        SIGN_IN_SUMMARIES[method],
        method=method,
    )
    db.session.commit()

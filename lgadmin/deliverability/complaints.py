"""Whether a customer's mail is off because they reported it as spam.

Spec 000: don't re-subscribe someone who reported your mail as spam without
asking them first, so turning their mailings back on asks the manager to confirm.
"""

from datetime import datetime

from sqlalchemy import select

from ..accounts.models import Account
from ..extensions import db
from .models import MailEvent, MailEventKind


def spam_complaint_on(account: Account) -> datetime | None:
    """When the customer last reported our mail as spam, while their mailings are still off."""
    if account.receives_mailings:
        return None
    event = db.session.scalars(
        select(MailEvent)
        .where(
            MailEvent.account_id == account.id,
            MailEvent.kind == MailEventKind.SPAM_COMPLAINT,
            MailEvent.processed_at.is_not(None),
        )
        .order_by(MailEvent.received_at.desc(), MailEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        return None
    return event.occurred_at or event.received_at

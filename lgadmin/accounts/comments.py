"""Dated comments on an account, by a manager or by the system."""

from datetime import datetime

from ..extensions import db
from ..timeutil import utcnow
from .models import Account, Comment


def add_comment(
    account: Account, body: str, *, author: Account | None = None, at: datetime | None = None
) -> Comment:
    """A comment in the caller's transaction; without an author it is a system comment."""
    comment = Comment(
        market_id=account.market_id,
        account_id=account.id,
        author_id=author.id if author else None,
        is_system=author is None,
        body=body,
        created_at=at or utcnow(),
    )
    db.session.add(comment)
    return comment

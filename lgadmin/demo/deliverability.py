"""The demo's hard bounces: half the customers who get no mailings, with the system's note."""

from datetime import timedelta

from ..accounts.models import Comment
from ..extensions import db


def hard_bounce(market, account, rng, now) -> None:
    if not account.receives_mailings and rng.random() < 0.5:
        account.email_bounced_at = now - timedelta(days=12)
        db.session.add(
            Comment(
                market_id=market.id,
                account_id=account.id,
                is_system=True,
                created_at=account.email_bounced_at,
                body=f"Hard bounce on {account.email_bounced_at:%-m/%-d/%Y}. "
                "Disabling email notifications. Reason: mailbox full.",
            )
        )

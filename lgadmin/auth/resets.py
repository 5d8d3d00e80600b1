"""A manager's "Send password reset link" (spec 000, Troubleshooting: Customer Can't Login).

The email is the one the shopper's own "Forgot password" sends, by the same job
(onboarding.emails.send_password_reset); this module decides whether a manager may send it and keeps
the audit row, which the customer's timeline shows.
"""

from sqlalchemy import select

from ..accounts.closed import closed_reason
from ..accounts.models import Account
from ..act_as.models import ActAsSession
from ..act_as.service import expiry_reason
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..onboarding.emails import RESETS_PER_HOUR
from ..onboarding.tokens import recent_reset_count
from ..tenancy import belongs_to

RESET_LINK_SENT = "account.reset_link_sent"


class ResetLinkRefused(Exception):
    """No reset link for this account now; the message says why."""


def reset_link_refusal(account: Account) -> str | None:
    """Why a manager may not send `account` a reset link now (None when they may)."""
    closed = closed_reason(account)
    if closed:
        return closed
    if not account.active:
        return (
            "This account is inactive, so a reset link would not let the customer sign in; "
            "activate it first (Update Special Info)."
        )
    if account.is_guest:
        return "A guest has no password to reset; invite them to register instead."
    if recent_reset_count(account) >= RESETS_PER_HOUR:
        return (
            f"{RESETS_PER_HOUR} reset links were sent to this address in the last hour; "
            "ask the customer to use the newest one, or try again later."
        )
    if _in_a_seat(account):
        return "A manager is acting as this customer right now; send the link once that ends."
    return None


def _in_a_seat(account: Account) -> bool:
    sessions = db.session.scalars(
        select(ActAsSession).where(
            ActAsSession.shopper_id == account.id, ActAsSession.ended_at.is_(None)
        )
    )
    return any(expiry_reason(session) is None for session in sessions)


def record_reset_link(manager: Account, market: Market, account: Account) -> None:
    """Audit the manager's request; ResetLinkRefused when it can't be sent. The caller
    commits, then queues onboarding.emails.send_password_reset for the account's address."""
    if not belongs_to(account, market):
        raise ResetLinkRefused("This customer is not of this market.")
    why_not = reset_link_refusal(account)
    if why_not:
        raise ResetLinkRefused(why_not)
    record(
        manager,
        market.id,
        RESET_LINK_SENT,
        account,
        f"Sent a password reset link to {account.email}",
    )

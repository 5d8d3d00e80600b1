"""Guest customers (spec 002): orders placed with an email but no account.

A guest is an Account row with `is_guest` set and no password, so the grid,
the details, the ledger and the orders treat it like any customer; it can't
sign in. Invited to register, the guest signs up on the same row, so their
orders are in their account from the first page they see.
"""

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Account
from ..audit.service import record
from ..contact import EMAIL_MESSAGES, INVALID_EMAIL, MISSING_EMAIL, email_problem, normalize_email
from ..extensions import db
from ..markets.models import Market
from ..membership.service import grant_trial_orders
from ..orders.models import Order, PaymentChoice
from ..orders.service import place_order
from ..signals import account_created, send_after_commit
from ..tenancy import belongs_to, of_market, select_in_market
from ..timeutil import utcnow
from .models import Invitation
from .tokens import new_token
from .values import clean_text


class GuestError(ValueError):
    pass


def guest_account(market: Market, email: str, first_name: str = "", last_name: str = ""):
    """The market's account for `email`: the registered one if there is one, else a guest."""
    email = normalize_email(email)
    problem = email_problem(email)
    if problem:
        raise GuestError(EMAIL_MESSAGES[problem if problem != MISSING_EMAIL else INVALID_EMAIL])
    account = db.session.scalars(
        select_in_market(Account, market).where(Account.email == email)
    ).first()
    if account is None:
        account = Account(
            market_id=market.id,
            email=email,
            first_name=clean_text(first_name)[:80],
            last_name=clean_text(last_name)[:80],
            is_guest=True,
            password_hash=None,
            joined_at=utcnow(),
        )
        grant_trial_orders(account, market)
        db.session.add(account)
        db.session.flush()
        send_after_commit(account_created, account=account)
    return account


def place_guest_order(
    market: Market,
    email: str,
    lines,
    *,
    first_name: str = "",
    last_name: str = "",
    payment_choice: PaymentChoice = PaymentChoice.PAY_AT_PICKUP,
    at=None,
) -> Order:
    """An order from a host storefront's guest checkout (the caller commits).

    An address that already has an account at the market orders on it.
    """
    account = guest_account(market, email, first_name, last_name)
    return place_order(account, lines, payment_choice, at=at)


def invite_guest(manager: Account | None, market: Market, guest: Account) -> Invitation:
    """A manager's "Invite to register" (or the system's, when a guest tries to sign up);
    the caller commits and queues the email."""
    if not guest.is_guest or not belongs_to(guest, market):
        raise GuestError("Only guest customers can be invited to register.")
    invitation = Invitation(
        market_id=market.id,
        email=guest.email,
        message="",
        token_hash=new_token()[1],  # replaced by the job that mails the link
        invited_by_id=manager.id if manager else None,
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        manager,
        market.id,
        "guest.invited",
        guest,
        f"Invited the guest {guest.email} to register",
        invitation_id=invitation.id,
    )
    return invitation


def recently_invited(market: Market, email: str, within=timedelta(hours=1)) -> bool:
    """An unaccepted invitation went to `email` lately (so a retried signup doesn't mail again)."""
    since = utcnow() - within
    return (
        db.session.scalars(
            select(Invitation.id).where(
                of_market(Invitation, market),
                Invitation.email == email,
                Invitation.accepted_at.is_(None),
                Invitation.created_at >= since,
            )
        ).first()
        is not None
    )

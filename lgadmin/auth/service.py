"""Passwords and sign-in rules."""

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..accounts.models import Account
from ..contact import normalize_email
from ..extensions import db
from ..markets.models import Market
from ..staff.roles import is_staff
from ..tenancy import in_market

# Checked when no account matches, so a wrong email costs as long as a wrong password.
_UNKNOWN_ACCOUNT_HASH = generate_password_hash("unknown-account-placeholder")


def market_staff_sign_ins(email: str, password: str) -> list[Account]:
    """The active market accounts with admin access that this email and password open.

    For the platform's own sign-in page (where /admin/ sends a signed-out visitor): a
    market manager who types their market credentials there is signed in at their
    market, or told which markets to choose from, instead of "don't match".
    """
    accounts = db.session.scalars(
        select(Account)
        .where(
            Account.email == normalize_email(email),
            Account.market_id.is_not(None),
            Account.active.is_(True),
        )
        .order_by(Account.market_id)
    ).all()
    if not accounts:
        # As long as one account's check, so the answer's time doesn't tell who manages a market.
        check_password_hash(_UNKNOWN_ACCOUNT_HASH, password or "")
    return [
        account
        for account in accounts
        if account.password_hash
        and is_staff(account)
        and check_password_hash(account.password_hash, password or "")
    ]


def authenticate(market: Market | None, email: str, password: str) -> Account | None:
    """The active account that this email and password sign in to, or None.

    With a market: an account of that market. Without one: a superuser.
    """
    stmt = select(Account).where(Account.email == normalize_email(email))
    if market is None:
        stmt = stmt.where(Account.is_superuser.is_(True))
    else:
        stmt = in_market(stmt, Account, market)
    account = db.session.scalars(stmt).first()
    if account is None or not account.password_hash:
        check_password_hash(_UNKNOWN_ACCOUNT_HASH, password or "")
        return None
    if not check_password_hash(account.password_hash, password or ""):
        return None
    if not account.active:
        return None
    return account

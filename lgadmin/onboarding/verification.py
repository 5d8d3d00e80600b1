"""Verified email addresses (specs 001, 002): an account is Unverified until its owner
proves the address by a set-password link, the signup confirmation or a sign-in link."""

from datetime import timedelta

from sqlalchemy import select, update

from ..accounts.models import Account
from ..deliverability.sends import send_to_account
from ..extensions import db
from ..markets.models import Market
from ..tenancy import find_in_market
from ..timeutil import utcnow
from ..urls import external_url
from .models import Token, TokenPurpose
from .tokens import add_token, hash_token

VERIFY_VALID_FOR = timedelta(days=7)
CONFIRM_TEMPLATE = "lgadmin/mail/confirm_email"


def mark_verified(account: Account, at=None) -> None:
    if account.email_verified_at is None:
        account.email_verified_at = at or utcnow()


def send_confirmation_email(account_id: int, root: str) -> bool:
    """Job: the signup confirmation link (7 days) for an account not yet verified."""

    account = db.session.get(Account, account_id)
    if account is None or account.is_verified or not account.active:
        return False
    raw = add_token(account, TokenPurpose.VERIFY_EMAIL, VERIFY_VALID_FOR)
    db.session.commit()
    market = account.market
    link = external_url(
        root, "lgadmin_onboarding.confirm_email", market_slug=market.slug, token=raw
    )
    return send_to_account(
        account,
        f"Confirm your email address for {market.name}",
        CONFIRM_TEMPLATE,
        market=market,
        confirm_url=link,
    )


def confirm_email(market: Market, raw: str) -> Account | None:
    """Use a confirmation link once; the account it proves, or None when it can't be used."""
    if not raw or len(raw) > 200:
        return None
    now = utcnow()
    token = db.session.scalars(select(Token).where(Token.token_hash == hash_token(raw))).first()
    if token is None or token.purpose != TokenPurpose.VERIFY_EMAIL:
        return None
    account = find_in_market(Account, token.account_id, market)
    if account is None:
        return None
    claimed = db.session.execute(
        update(Token)
        .where(Token.id == token.id, Token.used_at.is_(None), Token.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    mark_verified(account, now)
    return account

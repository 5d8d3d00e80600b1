"""Single-use links: random, stored as SHA-256, expiring, and replaced by the next one sent."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..accounts.models import Account
from ..accounts.passwords import hash_password
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..tenancy import find_in_market
from ..timeutil import utcnow
from .models import Token, TokenPurpose

SET_PASSWORD_VALID_FOR = timedelta(days=7)
RESET_PASSWORD_VALID_FOR = timedelta(days=1)
# Links that set a password; a newer one of either kind retires the older ones.
PASSWORD_PURPOSES = (TokenPurpose.SET_PASSWORD, TokenPurpose.RESET_PASSWORD)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """(raw token for the link, its hash for the database)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def add_token(account: Account, purpose: TokenPurpose, valid_for: timedelta, now=None) -> str:
    """A new single-use link for `account`, stored only as its SHA-256; returns the raw token.

    The caller commits.
    """
    now = now or utcnow()
    raw, digest = new_token()
    db.session.add(
        Token(
            account_id=account.id,
            purpose=purpose,
            token_hash=digest,
            created_at=now,
            expires_at=now + valid_for,
        )
    )
    return raw


def issue_password_token(account: Account, purpose: TokenPurpose) -> str:
    """A new set- or reset-password link for `account`, retiring any earlier one.

    Returns the raw token, which is only ever in the email; the caller commits.
    """
    now = utcnow()
    retire_password_tokens(account, now)
    valid_for = (
        SET_PASSWORD_VALID_FOR if purpose == TokenPurpose.SET_PASSWORD else RESET_PASSWORD_VALID_FOR
    )
    return add_token(account, purpose, valid_for, now)


def retire_password_tokens(account: Account, now=None) -> None:
    db.session.execute(
        update(Token)
        .where(
            Token.account_id == account.id,
            Token.purpose.in_(PASSWORD_PURPOSES),
            Token.used_at.is_(None),
        )
        .values(used_at=now or utcnow())
    )


def usable_password_token(market: Market, raw: str) -> Token | None:
    """The unused, unexpired password link `raw` of an active account at `market`, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalars(select(Token).where(Token.token_hash == hash_token(raw))).first()
    if token is None or token.purpose not in PASSWORD_PURPOSES:
        return None
    if token.used_at is not None or token.expires_at <= utcnow():
        return None
    account = find_in_market(Account, token.account_id, market)
    if account is None or not account.active:
        return None
    return token


def claim_token(token: Token, now) -> Account | None:
    """Use `token` once: a conditional UPDATE, so two clicks or submissions can't both
    succeed. Its account, or None (after a rollback) when it was used or expired meanwhile."""
    claimed = db.session.execute(
        update(Token)
        .where(Token.id == token.id, Token.used_at.is_(None), Token.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    return db.session.get(Account, token.account_id)


def set_password_with_token(token: Token, password: str) -> Account | None:
    """Use `token` once to set its account's password; None when it was used meanwhile.

    The token is claimed with a conditional UPDATE, so two submissions of the
    same link cannot both set a password.
    """
    now = utcnow()
    account = claim_token(token, now)
    if account is None:
        return None
    account.password_hash = hash_password(password)
    # The link came by email, so following it proves the address.
    if account.email_verified_at is None:
        account.email_verified_at = now
    retire_password_tokens(account, now)
    welcome = token.purpose is TokenPurpose.SET_PASSWORD
    record(
        account,
        account.market_id,
        "account.password_set",
        account,
        "Set a password" if welcome else "Reset the password",
        link=token.purpose.value,
    )
    return account


def recent_reset_count(account: Account, within: timedelta = timedelta(hours=1)) -> int:
    since = utcnow() - within
    return len(
        db.session.scalars(
            select(Token.id).where(
                Token.account_id == account.id,
                Token.purpose == TokenPurpose.RESET_PASSWORD,
                Token.created_at >= since,
            )
        ).all()
    )

"""Sign in by an emailed link (spec 004): single use, 15 minutes, only at its own market.

The request page answers the same whether or not the address has an account;
the job that mails the link decides, as for "Forgot password".
"""

from datetime import timedelta

from sqlalchemy import func, select, update

from ..accounts.models import Account
from ..deliverability.sends import send_to_account
from ..extensions import db
from ..markets.models import Market
from ..onboarding.models import Token, TokenPurpose
from ..onboarding.service import account_by_email
from ..onboarding.tokens import add_token, claim_token, hash_token
from ..onboarding.verification import mark_verified
from ..staff.roles import is_staff
from ..tenancy import belongs_to
from ..timeutil import utcnow
from ..urls import external_url

SIGN_IN_LINK_VALID_FOR = timedelta(minutes=15)
LINKS_PER_HOUR = 5
TEMPLATE = "lgadmin/mail/sign_in_link"


def may_use_link(account: Account | None, market: Market) -> bool:
    """Links are for the market's shoppers (spec 004): whoever may enter the admin signs in
    with a password, so a mailbox alone never opens the admin."""
    return (
        account is not None
        and market.sign_in_link_enabled
        and belongs_to(account, market)
        and account.active
        and not account.is_guest
        and not is_staff(account)
    )


def issue_sign_in_link(account: Account) -> str:
    """A new link for `account`, retiring its unused earlier ones; the caller commits."""
    now = utcnow()
    db.session.execute(
        update(Token)
        .where(
            Token.account_id == account.id,
            Token.purpose == TokenPurpose.SIGN_IN_LINK,
            Token.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return add_token(account, TokenPurpose.SIGN_IN_LINK, SIGN_IN_LINK_VALID_FOR, now)


def _recent_links(account: Account) -> int:
    since = utcnow() - timedelta(hours=1)
    return db.session.scalar(
        select(func.count()).where(
            Token.account_id == account.id,
            Token.purpose == TokenPurpose.SIGN_IN_LINK,
            Token.created_at >= since,
        )
    )


def send_sign_in_link(market_id: int, email: str, root: str) -> bool:
    """Job: mail a sign-in link to `email` when it is an active account of the market."""
    market = db.session.get(Market, market_id)
    account = account_by_email(market, email) if market else None
    if not may_use_link(account, market) or _recent_links(account) >= LINKS_PER_HOUR:
        return False
    raw = issue_sign_in_link(account)
    db.session.commit()
    link = external_url(
        root, "lgadmin_shop_sign_in.use_sign_in_link", market_slug=market.slug, token=raw
    )
    return send_to_account(
        account, f"Your sign-in link for {market.name}", TEMPLATE, market=market, link=link
    )


def usable_sign_in_link(market: Market, raw: str) -> Token | None:
    """The unused, unexpired sign-in link `raw` of an active account at `market`, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalars(select(Token).where(Token.token_hash == hash_token(raw))).first()
    if token is None or token.purpose != TokenPurpose.SIGN_IN_LINK:
        return None
    if token.used_at is not None or token.expires_at <= utcnow():
        return None
    account = db.session.get(Account, token.account_id)
    return token if may_use_link(account, market) else None


def use_sign_in_link(token: Token) -> Account | None:
    """Claim the link once (a conditional UPDATE, so two clicks can't both sign in).

    The account it signs in to, now verified; None when it was used meanwhile.
    """
    now = utcnow()
    account = claim_token(token, now)
    if account is None:
        return None
    mark_verified(account, now)
    return account

"""The onboarding emails, each sent by its own background job.

A job makes its link's token itself, so the raw token exists only in the job
and the email; a retried job makes a fresh one, which retires the one before.
One job per message: a failing address is retried with back-off (rq's Retry)
while the others go out.
"""

from sqlalchemy import select

from ..accounts.models import Account
from ..deliverability.sends import market_reply_to, send_to_account
from ..extensions import db
from ..mail import metadata_headers, render_parts, send_mail
from ..mail_outbox import MailOutcome, queue_jobs
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from ..urls import external_url
from .guests import invite_guest, recently_invited
from .models import Invitation, TokenPurpose
from .service import account_by_email
from .tokens import issue_password_token, new_token, recent_reset_count

WELCOME_TEMPLATE = "lgadmin/mail/welcome"
RESET_TEMPLATE = "lgadmin/mail/reset_password"
INVITATION_TEMPLATE = "lgadmin/mail/invitation"
ALREADY_REGISTERED_TEMPLATE = "lgadmin/mail/already_registered"
RESETS_PER_HOUR = 5


def queue_welcome_emails(account_ids, root: str) -> MailOutcome:
    return queue_jobs(
        send_welcome_email,
        [(account_id, root) for account_id in account_ids],
        kind="Welcome email",
    )


def queue_invitation_emails(invitation_ids, root: str) -> MailOutcome:
    return queue_jobs(
        send_invitation_email,
        [(invitation_id, root) for invitation_id in invitation_ids],
        kind="Invitation",
    )


def _sign_in_links(root: str, market: Market) -> dict:
    return {
        "sign_in_url": external_url(
            root, "lgadmin_shop_sign_in.market_sign_in", market_slug=market.slug
        ),
        "forgot_url": external_url(
            root, "lgadmin_onboarding.forgot_password", market_slug=market.slug
        ),
    }


def send_welcome_email(account_id: int, root: str) -> bool:
    """Job: the welcome email with a 7-day set-password link, for an account a manager made."""
    account = db.session.get(Account, account_id)
    if account is None or account.password_hash or not account.active:
        return False  # gone, or already has a password (signed up or reset meanwhile)
    market = account.market
    raw = issue_password_token(account, TokenPurpose.SET_PASSWORD)
    db.session.commit()
    link = external_url(root, "lgadmin_onboarding.set_password", market_slug=market.slug, token=raw)
    return send_to_account(
        account,
        f"Welcome to {market.name}: set your password",
        WELCOME_TEMPLATE,
        market=market,
        set_password_url=link,
        created_by=account.created_by,
        **_sign_in_links(root, market),
    )


def send_password_reset(market_id: int, email: str, root: str) -> bool:
    """Job: a reset link for `email` at the market, when it has an active account.

    Queued for every request, so the answer and its timing say nothing about
    whether the address has an account.
    """

    market = db.session.get(Market, market_id)
    account = account_by_email(market, email) if market else None
    if account is None or not account.active:
        return False
    if recent_reset_count(account) >= RESETS_PER_HOUR:
        return False
    raw = issue_password_token(account, TokenPurpose.RESET_PASSWORD)
    db.session.commit()
    link = external_url(
        root, "lgadmin_onboarding.reset_password", market_slug=market.slug, token=raw
    )
    return send_to_account(
        account,
        f"Reset your {market.name} password",
        RESET_TEMPLATE,
        market=market,
        reset_url=link,
        **_sign_in_links(root, market),
    )


def send_signup_answer(market_id: int, email: str, root: str) -> bool:
    """Job: the answer to a signup with an address the market already knows, by email only.

    A guest gets an invitation to register (following it proves the address and keeps
    their orders); a member gets a reminder of how to sign in. The signup page says the
    same for both, so it tells nobody which the address is.
    """

    market = db.session.get(Market, market_id)
    account = account_by_email(market, email) if market else None
    if account is None:
        return False
    if account.is_guest:
        if recently_invited(market, email):
            return False  # a retried signup doesn't mail again
        invitation = invite_guest(None, market, account)
        db.session.commit()
        return send_invitation_email(invitation.id, root)
    return send_to_account(
        account,
        f"Your {market.name} account",
        ALREADY_REGISTERED_TEMPLATE,
        market=market,
        **_sign_in_links(root, market),
    )


def send_invitation_email(invitation_id: int, root: str) -> bool:
    """Job: the market's invitation to sign up, with the personal message."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at is not None:
        return False
    market = db.session.get(Market, invitation.market_id)
    taken = db.session.scalars(
        select(Account.id).where(
            of_market(Account, market),
            Account.email == invitation.email,
            Account.is_guest.is_(False),  # a guest is invited to register on their own row
        )
    ).first()
    if taken:
        return False  # signed up since the manager pressed the button
    raw, invitation.token_hash = new_token()
    db.session.commit()
    context = {
        "market": market,
        "invitation": invitation,
        "inviter": invitation.invited_by,
        "signup_url": external_url(
            root, "lgadmin_onboarding.signup", market_slug=market.slug, invitation=raw
        ),
    }
    text, html = render_parts(INVITATION_TEMPLATE, **context)
    send_mail(
        invitation.email,
        f"You're invited to shop at {market.name}",
        text,
        html,
        # No account yet: reports match the market and the invitation.
        metadata_headers(market.id, invitation=invitation.id),
        market,
        reply_to=market_reply_to(market),
    )
    invitation.sent_at = utcnow()
    db.session.commit()
    return True

"""The onboarding emails, each sent by its own background job.

A job makes its link's token itself, so the raw token exists only in the job
and the email; a retried job makes a fresh one, which retires the one before.
One job per message: a failing address is retried with back-off (rq's Retry)
while the others go out.
"""

from dataclasses import dataclass, field
from smtplib import SMTPException, SMTPRecipientsRefused
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from ..accounts.models import Account
from ..extensions import db
from ..jobs import enqueue_many, ran_inline
from ..mail import metadata_headers, render_parts, send_mail, send_to_account
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from ..urls import https_in_production, mail_link_root
from .models import Invitation, TokenPurpose
from .tokens import new_token

WELCOME_TEMPLATE = "lgadmin/mail/welcome"
RESET_TEMPLATE = "lgadmin/mail/reset_password"
INVITATION_TEMPLATE = "lgadmin/mail/invitation"
ALREADY_REGISTERED_TEMPLATE = "lgadmin/mail/already_registered"
RESETS_PER_HOUR = 5


def base_url() -> str:
    """Where links in emails point: LGADMIN_BASE_URL, else the address of this request."""
    return mail_link_root()


def external_url(root: str, endpoint: str, **values) -> str:
    """An absolute URL under `root`, built without a request (jobs run in workers)."""
    parts = urlsplit(https_in_production(root))
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


@dataclass
class MailOutcome:
    """What became of the messages a request queued, for telling the manager."""

    unsent: list[str] = field(default_factory=list)  # why each message sent inline failed
    sent_now: bool = False  # the queue was unreachable, so the request sent them itself


def queue_job(func, *args) -> MailOutcome:
    """Queue one message's job (inline without Redis, where a failure is logged, not raised)."""
    return queue_jobs(func, [args])


def queue_jobs(func, arg_lists) -> MailOutcome:
    """One job per message, so one failing address never holds up the others."""
    outcome = MailOutcome()

    def log_failure(args, error):
        db.session.rollback()
        current_app.logger.error("lgadmin: %s%r failed: %s", func.__name__, args, error)
        outcome.unsent.append(failure_reason(error))

    enqueue_many(func, arg_lists, on_error=log_failure)
    outcome.sent_now = ran_inline()
    return outcome


def failure_reason(error: Exception) -> str:
    """Why a message was not sent, in words a manager can act on."""
    if isinstance(error, SMTPRecipientsRefused):
        return "the mail server refused " + ", ".join(error.recipients)
    if isinstance(error, SMTPException | OSError):
        return f"the mail server could not be reached or refused the message ({error})"
    return f"an error: {error}"


def queue_welcome_emails(account_ids, root: str) -> MailOutcome:
    return queue_jobs(send_welcome_email, [(account_id, root) for account_id in account_ids])


def queue_invitation_emails(invitation_ids, root: str) -> MailOutcome:
    return queue_jobs(
        send_invitation_email, [(invitation_id, root) for invitation_id in invitation_ids]
    )


def _sign_in_links(root: str, market: Market) -> dict:
    return {
        "sign_in_url": external_url(root, "auth.market_sign_in", market_slug=market.slug),
        "forgot_url": external_url(root, "onboarding.forgot_password", market_slug=market.slug),
    }


def send_welcome_email(account_id: int, root: str) -> bool:
    """Job: the welcome email with a 7-day set-password link, for an account a manager made."""
    from .tokens import issue_password_token

    account = db.session.get(Account, account_id)
    if account is None or account.password_hash or not account.active:
        return False  # gone, or already has a password (signed up or reset meanwhile)
    market = account.market
    raw = issue_password_token(account, TokenPurpose.SET_PASSWORD)
    db.session.commit()
    link = external_url(root, "onboarding.set_password", market_slug=market.slug, token=raw)
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
    from .service import account_by_email
    from .tokens import issue_password_token, recent_reset_count

    market = db.session.get(Market, market_id)
    account = account_by_email(market, email) if market else None
    if account is None or not account.active:
        return False
    if recent_reset_count(account) >= RESETS_PER_HOUR:
        return False
    raw = issue_password_token(account, TokenPurpose.RESET_PASSWORD)
    db.session.commit()
    link = external_url(root, "onboarding.reset_password", market_slug=market.slug, token=raw)
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
    from ..customers.guests import invite_guest, recently_invited
    from .service import account_by_email

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
            root, "onboarding.signup", market_slug=market.slug, invitation=raw
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
    )
    invitation.sent_at = utcnow()
    db.session.commit()
    return True

"""Rate limits on the doors people knock on: sign-in, password resets, signup, invitations.

Counted in Redis when REDIS_URL is set (shared by every process), in memory otherwise.
Each door has a limit per address or account and a looser one per client address.
"""

from flask import request
from flask_login import current_user

from .contact import normalize_email
from .extensions import limiter

SIGN_IN_PER_ADDRESS = "10 per 15 minutes"
SIGN_IN_PER_CLIENT = "50 per 15 minutes"
RESET_PER_ADDRESS = "5 per hour"
RESET_PER_CLIENT = "20 per hour"
SIGNUP_PER_CLIENT = "10 per hour"
SIGNUP_PER_ADDRESS = "5 per hour"
SIGN_IN_LINK_PER_ADDRESS = "5 per hour"
INVITATIONS_PER_ACCOUNT = "20 per hour"
POST = ["POST"]


def by_address(door: str):
    def key() -> str:
        return f"{door}:address:{normalize_email(request.form.get('email', ''))}"

    return key


def by_account(door: str):
    def key() -> str:
        return f"{door}:account:{current_user.get_id()}"

    return key


def per_address_and_client(door: str, per_address: str, per_client: str):
    """Decorate a view with both limits, counted on POST only."""

    def decorate(view):
        view = limiter.limit(
            per_address, key_func=by_address(door), methods=POST, scope=f"{door}-address"
        )(view)
        return limiter.limit(per_client, methods=POST, scope=f"{door}-client")(view)

    return decorate


def invitations_limit():
    """A context manager for the invitations form (a Flask-Admin view method)."""
    return limiter.limit(
        INVITATIONS_PER_ACCOUNT, key_func=by_account("invitations"), scope="invitations-account"
    )

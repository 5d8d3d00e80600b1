"""Rate limits on the doors people knock on: sign-in, password resets, signup, invitations.

Counted in Redis when REDIS_URL is set (shared by every process), in memory otherwise.
Each door has a limit per address or account and a looser one per client address (the
client's own address behind a proxy: LGADMIN_PROXY_HOPS).

Sign-in counts only failed attempts, and its address limit is per address *and* client:
someone guessing at an address from one client doesn't lock its owner out elsewhere, and
an office full of people signing in from one address never meets the client limit.
"""

from flask import request
from flask_limiter.util import get_remote_address

from .contact import normalize_email
from .extensions import limiter
from .identity import current_account

SIGN_IN_PER_ADDRESS = "10 per 15 minutes"  # failed attempts at one address from one client
SIGN_IN_PER_CLIENT = "100 per 15 minutes"  # failed attempts from one client
RESET_PER_ADDRESS = "5 per hour"
RESET_PER_CLIENT = "20 per hour"
SIGNUP_PER_CLIENT = "10 per hour"
SIGNUP_PER_ADDRESS = "5 per hour"
SIGN_IN_LINK_PER_ADDRESS = "5 per hour"
SIGN_IN_LINK_PER_CLIENT = "20 per hour"
INVITATIONS_PER_ACCOUNT = "20 per hour"
POST = ["POST"]


def by_address(door: str):
    def key() -> str:
        return f"{door}:address:{normalize_email(request.form.get('email', ''))}"

    return key


def by_address_and_client(door: str):
    def key() -> str:
        email = normalize_email(request.form.get("email", ""))
        return f"{door}:address:{email}:client:{get_remote_address()}"

    return key


def by_account(door: str):
    def key() -> str:
        return f"{door}:account:{current_account.get_id()}"

    return key


def per_address_and_client(door: str, per_address: str, per_client: str):
    """Decorate a view with both limits, counted on POST only."""

    def decorate(view):
        view = limiter.limit(
            per_address, key_func=by_address(door), methods=POST, scope=f"{door}-address"
        )(view)
        return limiter.limit(per_client, methods=POST, scope=f"{door}-client")(view)

    return decorate


def failed_sign_in(response) -> bool:
    """A sign-in that succeeded redirects; anything else (the form again, a 400) failed."""
    return response.status_code != 302


def sign_in_attempts(view):
    """Sign-in's limits: failed attempts per address and client, and per client."""
    view = limiter.limit(
        SIGN_IN_PER_ADDRESS,
        key_func=by_address_and_client("sign-in"),
        methods=POST,
        scope="sign-in-address",
        deduct_when=failed_sign_in,
    )(view)
    return limiter.limit(
        SIGN_IN_PER_CLIENT, methods=POST, scope="sign-in-client", deduct_when=failed_sign_in
    )(view)


def invitations_limit():
    """A context manager for the invitations form (a Flask-Admin view method)."""
    return limiter.limit(
        INVITATIONS_PER_ACCOUNT, key_func=by_account("invitations"), scope="invitations-account"
    )

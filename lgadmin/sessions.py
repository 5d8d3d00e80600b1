"""Sessions that end: everywhere at once, and admin sessions after idle time or an age.

A session remembers the account's `session_version` it signed in with. The user loader
refuses a session whose version is no longer the account's, so `Account.end_sessions()`
(sign-out, a new password, deactivation, merge, erasure) ends every session of the account
from its next request. Sessions of accounts that may enter the admin also end after
LGADMIN_ADMIN_IDLE_MINUTES without a request and LGADMIN_ADMIN_SESSION_HOURS after sign-in.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from blinker import Namespace
from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user, user_logged_in

from . import timeutil
from .staff.roles import is_staff
from .urls import safe_next_url

_signals = Namespace()
# Sent by the sign-out view before it clears the session. A receiver that changes who is
# signing out (e.g. a manager leaving a customer's seat) returns a SignOutTurn. A signal,
# so the sign-out view need not know which domains hold a seat in the session.
signing_out = _signals.signal("lgadmin-signing-out")


@dataclass
class SignOutTurn:
    """Who signs out instead of the current user, and what to tell them."""

    account: object
    notes: list[tuple[str, str]] = field(default_factory=list)


def sign_out_turn(sender) -> SignOutTurn | None:
    """Ask the receivers of `signing_out`; the first turn given wins (at most one seat)."""
    for _receiver, turn in signing_out.send(sender):
        if turn is not None:
            return turn
    return None


VERSION_KEY = "lgadmin_session_version"
SIGNED_IN_KEY = "lgadmin_signed_in_at"
SEEN_KEY = "lgadmin_seen_at"
# The last-seen time is rewritten at most this often, so most responses leave the cookie alone.
SEEN_EVERY = timedelta(minutes=1)
FLASK_DEFAULT_LIFETIME = timedelta(days=31)

SESSION_ENDED = "You were signed out because this account signed out or changed elsewhere."
IDLE_ENDED = "You were signed out after {minutes} minutes without activity. Please sign in again."
AGE_ENDED = "You were signed out after {hours} hours. Please sign in again."


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _read_stamp(raw) -> datetime | None:
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def session_is_current(account, stored_version) -> bool:
    """May a session that signed in with `stored_version` still act as `account`?"""
    return account.active and stored_version == (account.session_version or 0)


def admin_session_end(
    signed_in_at: datetime | None,
    seen_at: datetime | None,
    now: datetime,
    *,
    idle: timedelta,
    longest: timedelta,
) -> str | None:
    """'idle' or 'age' when an admin session must end now, else None.

    A session without its times (made before they were kept) ends too.
    """
    if signed_in_at is None or now - signed_in_at >= longest:
        return "age"
    if seen_at is None or now - seen_at >= idle:
        return "idle"
    return None


def _admin_limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(minutes=config["LGADMIN_ADMIN_IDLE_MINUTES"]),
        timedelta(hours=config["LGADMIN_ADMIN_SESSION_HOURS"]),
    )


def remember_sign_in(sender, user, **extra) -> None:
    """On every sign-in (password, link, signup, act-as): the version and the clock start."""
    now = _stamp(timeutil.utcnow())
    session[VERSION_KEY] = user.session_version or 0
    session[SIGNED_IN_KEY] = now
    session[SEEN_KEY] = now


def _sign_in_again_url(account) -> str:
    next_url = safe_next_url(request.full_path.rstrip("?")) if request.method == "GET" else None
    if account.market_id is not None:
        return url_for(
            "lgadmin_shop_sign_in.market_sign_in", market_slug=account.market.slug, next=next_url
        )
    return url_for("lgadmin_auth.sign_in", next=next_url)


def enforce_session_limits():
    """Before each request: drop a session ended elsewhere; end an admin session that was
    idle or is too old; note that the session was used."""
    if request.routing_exception is not None or "_user_id" not in session:
        return None  # nothing to route (the host is refused, or 404), or nobody signed in
    if (request.endpoint or "").endswith("static"):
        return None  # a stylesheet or script: no account involved
    if not current_user.is_authenticated:  # the user loader refused the session
        session.clear()
        flash(SESSION_ENDED, "info")
        return None
    now = timeutil.utcnow()
    if is_staff(current_user):
        idle, longest = _admin_limits()
        why = admin_session_end(
            _read_stamp(session.get(SIGNED_IN_KEY)),
            _read_stamp(session.get(SEEN_KEY)),
            now,
            idle=idle,
            longest=longest,
        )
        if why:
            account = current_user._get_current_object()
            logout_user()
            session.clear()
            if why == "idle":
                flash(IDLE_ENDED.format(minutes=int(idle.total_seconds() // 60)), "info")
            else:
                flash(AGE_ENDED.format(hours=int(longest.total_seconds() // 3600)), "info")
            return redirect(_sign_in_again_url(account))
    seen_at = _read_stamp(session.get(SEEN_KEY))
    if seen_at is None or now - seen_at >= SEEN_EVERY:
        session[SEEN_KEY] = _stamp(now)
    return None


def tracked() -> bool:
    """Are sessions lgadmin's own (its LoginManager: versions, idle and age limits)? In a
    host app they are the host's."""
    return current_app.extensions.get("lgadmin_sessions", False)


def init_sessions(app: Flask) -> None:
    app.extensions["lgadmin_sessions"] = True
    app.config.setdefault("LGADMIN_ADMIN_IDLE_MINUTES", 60)
    app.config.setdefault("LGADMIN_ADMIN_SESSION_HOURS", 12)
    # Flask refuses a session cookie not rewritten for this long; its default is 31 days.
    # A host app that chose its own lifetime keeps it.
    if app.config.get("PERMANENT_SESSION_LIFETIME") == FLASK_DEFAULT_LIFETIME:
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
            hours=app.config["LGADMIN_ADMIN_SESSION_HOURS"]
        )
    user_logged_in.connect(remember_sign_in, app)
    app.before_request(enforce_session_limits)

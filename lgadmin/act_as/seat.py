"""The shopper's seat in the session: taking it, leaving it, closing it; shared by act-as's
blueprint, its admin view and the shop (which shows who sits in the seat).

Request-bound by nature (it swaps who is signed in), so not a service: the rules of a
session (eligibility, limits, ending) are in act_as.service.
"""

from flask import current_app, flash, g, redirect, session, url_for

from .. import sessions, tenancy
from ..accounts.models import Account
from ..extensions import db
from ..identity import ensure_swaps_seats, restore, sign_in_as, sign_out
from ..mail_outbox import queue_job
from .models import ActAsSession
from .notify import send_help_notice
from .service import end_act_as, end_overdue_sessions, overdue, send_end_notices

SESSION_KEY = "lgadmin_act_as_id"
RETURN_MARKET_KEY = "lgadmin_act_as_return_market"
MANAGER_VERSION_KEY = "lgadmin_act_as_manager_version"
MANAGER_SIGNED_IN_KEY = "lgadmin_act_as_manager_signed_in_at"


def storefront_url(market_slug: str) -> str:
    endpoint = current_app.config.get("LGADMIN_STOREFRONT_ENDPOINT", "lgadmin_shop.home")
    return url_for(endpoint, market_slug=market_slug)


def take_seat(manager: Account, shopper: Account, record: ActAsSession):
    """Sign the manager in as the shopper, in a brand-new session."""
    return_market = session.get(tenancy.SESSION_KEY) if manager.is_superuser else None
    # The manager's own session, as it was: leaving the seat must not renew it.
    manager_version = session.get(sessions.VERSION_KEY)
    manager_signed_in_at = session.get(sessions.SIGNED_IN_KEY)
    ensure_swaps_seats()
    session.clear()
    sign_in_as(shopper)
    session[SESSION_KEY] = record.id
    session[RETURN_MARKET_KEY] = return_market
    session[MANAGER_VERSION_KEY] = manager_version
    session[MANAGER_SIGNED_IN_KEY] = manager_signed_in_at
    g.pop("lgadmin_market", None)


def leave_seat(record: ActAsSession) -> None:
    """Restore the manager's own identity, exactly, in a brand-new session.

    Not when the manager's sessions were ended meanwhile (a new password, deactivation,
    signing out elsewhere): they leave the seat signed out. The manager's admin session keeps
    the age it had, so acting as a customer never extends it."""
    return_market = session.get(RETURN_MARKET_KEY)
    manager_version = session.get(MANAGER_VERSION_KEY)
    manager_signed_in_at = session.get(MANAGER_SIGNED_IN_KEY)
    session.clear()
    g.pop("lgadmin_market", None)
    manager = db.session.get(Account, record.manager_id)
    # Sessions ended elsewhere are lgadmin's own sessions' rule; in a host app, the host's.
    if manager is None or not (
        sessions.session_is_current(manager, manager_version)
        if sessions.tracked()
        else manager.active
    ):
        sign_out()
        return
    restore(manager)
    if manager_signed_in_at:
        session[sessions.SIGNED_IN_KEY] = manager_signed_in_at
    if return_market:
        session[tenancy.SESSION_KEY] = return_market


def current_session() -> ActAsSession | None:
    return g.get("act_as")


def close_seat(record: ActAsSession, how: str, at=None) -> list[tuple[str, str]]:
    """End the session, commit, and tell the shopper: every way a seat is left comes here.
    Returns what the manager should be told about the notice, as (message, category)."""
    ended_now = end_act_as(record, how, at)
    db.session.commit()
    if not ended_now:
        return []
    outcome = queue_job(send_help_notice, record.id, kind="Act-as notice")
    if outcome.unsent:  # sent at once (no queue) and refused: the session is over regardless
        return [
            (
                f"The customer could not be emailed about this session "
                f"({outcome.unsent[0]}); they still see it on their account page.",
                "warning",
            )
        ]
    if outcome.waiting:
        return [
            (
                "The background mail queue is unreachable, so the customer's notice waits in "
                "the outbox; it goes out when the queue is back.",
                "warning",
            )
        ]
    return []


def finish_seat(record: ActAsSession, how: str, message: str, at=None):
    notes = close_seat(record, how, at)
    leave_seat(record)
    flash(message, "info")  # after leave_seat: the new session must carry it
    for note in notes:
        flash(*note)
    return redirect(url_for("lgadmin_customers.details_view", id=record.shopper_id))


@sessions.signing_out.connect
def end_seat_on_sign_out(_sender) -> sessions.SignOutTurn | None:
    """Signing out in a customer's seat ends the act-as session, as "End session" does,
    before the sign-out view clears the session; the manager signs out instead of the
    customer. None outside a seat.

    A session already past a limit ends as it ran out (expired or idle), at that time."""
    record = g.pop("act_as", None)
    if record is None:
        return None
    ran_out = overdue(record)
    notes = close_seat(record, *ran_out) if ran_out else close_seat(record, "signed_out")
    return sessions.SignOutTurn(db.session.get(Account, record.manager_id), notes)


def close_overdue_sessions(**where) -> None:
    """Before a page lists act-as sessions: those that ran out with nobody in the seat are
    closed first (with their reason and time, and the shopper's notice), so none is shown
    as open once it is over. `where`: as end_overdue_sessions takes it."""
    closed = end_overdue_sessions(**where)
    if closed:
        db.session.commit()
        send_end_notices(closed)

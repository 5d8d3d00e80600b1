"""The shopper's seat: swapping identities, the limits on every request, and the banner."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from .. import sessions, tenancy
from ..accounts.models import Account
from ..extensions import db
from ..jobs import enqueue, ran_inline
from ..mail import failure_reason
from .models import ActAsSession
from .notify import send_help_notice
from .service import (
    end_act_as,
    end_overdue_sessions,
    overdue,
    record_action,
    seat_refusal,
    send_end_notices,
    time_left,
    touch,
)

bp = Blueprint("act_as", __name__)

SESSION_KEY = "lgadmin_act_as_id"
RETURN_MARKET_KEY = "lgadmin_act_as_return_market"
MANAGER_VERSION_KEY = "lgadmin_act_as_manager_version"
MANAGER_SIGNED_IN_KEY = "lgadmin_act_as_manager_signed_in_at"
# What a manager may not do in the shopper's seat, by endpoint (a host app may add its own).
_PASSWORD = "Changing the customer's password or sign-in"
_CARDS = "Changing the customer's payment methods"
_DATA = "Asking for or downloading the customer's data, or their erasure"
_SIGN_IN = "Signing in, or asking for a sign-in link,"
BLOCKED_ENDPOINTS: dict[str, str] = {
    "auth.sign_in": _SIGN_IN,
    "auth.market_sign_in": _SIGN_IN,
    "auth.request_sign_in_link": _SIGN_IN,
    "auth.use_sign_in_link": _SIGN_IN,
    "onboarding.set_password": _PASSWORD,
    "onboarding.reset_password": _PASSWORD,
    "onboarding.forgot_password": _PASSWORD,
    "onboarding.signup": _PASSWORD,
    "stripe_payments.card_setup": _CARDS,
    "stripe_payments.card_saved": _CARDS,
    "shop_privacy.download_copy": _DATA,
    "shop_privacy.request_copy": _DATA,
    "shop_privacy.request_erasure": _DATA,
}
ADMIN_CLOSED = "The admin is closed while you act as a customer: end the session first."
# Signing out in the seat ends the act-as session; the view asks end_seat_on_sign_out.
SIGN_OUT_ENDPOINT = "auth.sign_out"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
UNTRACKED_FIELDS = {"csrf_token", "password", "password_confirm", "new_password"}


def storefront_url(market_slug: str) -> str:
    endpoint = current_app.config.get("LGADMIN_STOREFRONT_ENDPOINT", "shop.home")
    return url_for(endpoint, market_slug=market_slug)


def take_seat(manager: Account, shopper: Account, record: ActAsSession):
    """Sign the manager in as the shopper, in a brand-new session."""
    return_market = session.get(tenancy.SESSION_KEY) if manager.is_superuser else None
    # The manager's own session, as it was: leaving the seat must not renew it.
    manager_version = session.get(sessions.VERSION_KEY)
    manager_signed_in_at = session.get(sessions.SIGNED_IN_KEY)
    session.clear()
    login_user(shopper)
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
    if manager is None or not sessions.session_is_current(manager, manager_version):
        logout_user()
        return
    login_user(manager)
    if manager_signed_in_at:
        session[sessions.SIGNED_IN_KEY] = manager_signed_in_at
    if return_market:
        session[tenancy.SESSION_KEY] = return_market


def current_session() -> ActAsSession | None:
    return g.get("act_as")


def _close(record: ActAsSession, how: str, at=None) -> list[tuple[str, str]]:
    """End the session, commit, and tell the shopper: every way a seat is left comes here.
    Returns what the manager should be told about the notice, as (message, category)."""
    ended_now = end_act_as(record, how, at)
    db.session.commit()
    if not ended_now:
        return []
    try:
        enqueue(send_help_notice, record.id)
    except Exception as error:  # sent inline and failed: the session is over regardless
        db.session.rollback()
        current_app.logger.error("lgadmin: act-as notice %s failed: %s", record.id, error)
        return [
            (
                f"The customer could not be emailed about this session "
                f"({failure_reason(error)}); they still see it on their account page.",
                "warning",
            )
        ]
    if ran_inline():
        return [
            (
                "The background mail queue is unreachable, so the customer's notice was sent "
                "right away.",
                "warning",
            )
        ]
    return []


def _finish(record: ActAsSession, how: str, message: str, at=None):
    notes = _close(record, how, at)
    leave_seat(record)
    flash(message, "info")  # after leave_seat: the new session must carry it
    for note in notes:
        flash(*note)
    return redirect(url_for("customers.details_view", id=record.shopper_id))


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
    notes = _close(record, *ran_out) if ran_out else _close(record, "signed_out")
    return sessions.SignOutTurn(db.session.get(Account, record.manager_id), notes)


def close_overdue_sessions(**where) -> None:
    """Before a page lists act-as sessions: those that ran out with nobody in the seat are
    closed first (with their reason and time, and the shopper's notice), so none is shown
    as open once it is over. `where`: as end_overdue_sessions takes it."""
    closed = end_overdue_sessions(**where)
    if closed:
        db.session.commit()
        send_end_notices(closed)


def is_admin_endpoint(endpoint: str | None) -> bool:
    """Whether `endpoint` belongs to a Flask-Admin view (lgadmin's or the host app's)."""
    blueprint = (endpoint or "").partition(".")[0]
    return any(
        blueprint == view.endpoint
        for admin in current_app.extensions.get("admin", [])
        for view in admin._views
    )


@bp.before_app_request
def enforce_limits():
    record_id = session.get(SESSION_KEY)
    if not record_id or (request.endpoint or "").endswith("static"):
        return None
    record = db.session.get(ActAsSession, record_id)
    if record is None or current_user.get_id() != str(record.shopper_id):
        session.clear()
        return redirect(url_for("auth.sign_in"))
    if request.endpoint == SIGN_OUT_ENDPOINT:
        g.act_as = record  # the sign-out view closes the seat, however it stands
        return None
    ran_out = None if record.ended_at else overdue(record)
    if record.ended_at or ran_out:
        how, at = ran_out or ("ended", None)
        return _finish(
            record, how, "Your act-as session has ended; you are back in your own account.", at
        )
    if is_admin_endpoint(request.endpoint):
        # Whatever the seat's account may do there: act-as is for shoppers only.
        abort(403, ADMIN_CLOSED)
    if request.endpoint in BLOCKED_ENDPOINTS:
        abort(
            403, f"{BLOCKED_ENDPOINTS[request.endpoint]} is not allowed while acting as a customer."
        )
    touch(record)
    db.session.commit()
    g.act_as = record
    return None


@bp.after_app_request
def record_state_changes(response):
    record = g.get("act_as")
    if record is None or record.ended_at is not None or request.method not in STATE_CHANGING:
        return response
    fields = ", ".join(
        f"{key}={value[:40]}" for key, value in request.form.items() if key not in UNTRACKED_FIELDS
    )
    record_action(
        record,
        request.method,
        request.path,
        f"{request.endpoint} → {response.status_code}" + (f" ({fields})" if fields else ""),
    )
    db.session.commit()
    return response


@bp.route("/act-as/end", methods=["POST"])
def end_session():
    if not FlaskForm().validate_on_submit():
        abort(400)
    record = current_session()
    if record is None:
        abort(404)
    name = str(record.shopper)
    return _finish(
        record, "ended", f"You are back in your own account; the session as {name} has ended."
    )


@bp.app_template_global("act_as_refusal")
def act_as_refusal(account) -> str | None:
    """Why nobody may act as `account`, for the pages that offer Act as (service.seat_refusal)."""
    return seat_refusal(account)


@bp.app_context_processor
def act_as_banner():
    record = g.get("act_as")
    if record is None:
        return {"act_as": None}
    left = time_left(record)
    return {
        "act_as": {
            "name": str(record.shopper),
            "minutes_left": max(int(left.total_seconds() // 60), 0),
            "seconds_left": int(left.total_seconds()),
        }
    }

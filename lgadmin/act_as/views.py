"""The shopper's seat: swapping identities, the limits on every request, and the banner."""

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm

from ..audit.service import work_in_seat
from ..extensions import db
from ..identity import current_account
from .models import ActAsSession
from .seat import SESSION_KEY, current_session, finish_seat
from .service import (
    overdue,
    record_action,
    seat_refusal,
    time_left,
    touch,
)

bp = Blueprint("lgadmin_act_as", __name__)

# What a manager may not do in the shopper's seat, by endpoint (a host app may add its own).
_PASSWORD = "Changing the customer's password or sign-in"
_CARDS = "Changing the customer's payment methods"
_DATA = "Asking for or downloading the customer's data, or their erasure"
_SIGN_IN = "Signing in, or asking for a sign-in link,"
BLOCKED_ENDPOINTS: dict[str, str] = {
    "lgadmin_auth.sign_in": _SIGN_IN,
    "lgadmin_shop_sign_in.market_sign_in": _SIGN_IN,
    "lgadmin_shop_sign_in.request_sign_in_link": _SIGN_IN,
    "lgadmin_shop_sign_in.use_sign_in_link": _SIGN_IN,
    "lgadmin_onboarding.set_password": _PASSWORD,
    "lgadmin_onboarding.reset_password": _PASSWORD,
    "lgadmin_onboarding.forgot_password": _PASSWORD,
    "lgadmin_onboarding.signup": _PASSWORD,
    "lgadmin_cards.card_setup": _CARDS,
    "lgadmin_cards.card_saved": _CARDS,
    "lgadmin_shop_privacy.download_copy": _DATA,
    "lgadmin_shop_privacy.request_copy": _DATA,
    "lgadmin_shop_privacy.request_erasure": _DATA,
}
ADMIN_CLOSED = "The admin is closed while you act as a customer: end the session first."
# Signing out in the seat ends the act-as session; the view asks seat.end_seat_on_sign_out.
SIGN_OUT_ENDPOINT = "lgadmin_auth.sign_out"
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
UNTRACKED_FIELDS = {"csrf_token", "password", "password_confirm", "new_password"}


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
    if record is None or current_account.get_id() != str(record.shopper_id):
        session.clear()
        return redirect(url_for("lgadmin_auth.sign_in"))
    if request.endpoint == SIGN_OUT_ENDPOINT:
        g.act_as = record  # the sign-out view closes the seat, however it stands
        work_in_seat(record)
        return None
    ran_out = None if record.ended_at else overdue(record)
    if record.ended_at or ran_out:
        how, at = ran_out or ("ended", None)
        return finish_seat(
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
    work_in_seat(record)
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
    return finish_seat(
        record, "ended", f"You are back in your own account; the session as {name} has ended."
    )


# act_as_refusal and act_as_banner reach lgadmin's templates through the plug-in's
# template helpers, on lgadmin's pages only.
def act_as_refusal(account) -> str | None:
    """Why nobody may act as `account`, for the pages that offer Act as (service.seat_refusal)."""
    return seat_refusal(account)


def act_as_banner() -> dict:
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

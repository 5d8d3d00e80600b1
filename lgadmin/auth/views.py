"""Sign in (per market, or as a superuser) and sign out."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from .. import identity, limits
from ..accounts.sign_ins import record_sign_in
from ..contact import normalize_email
from ..extensions import db
from ..identity import current_account, ensure_signs_in, sign_in_as
from ..mail_outbox import queue_job
from ..markets.models import Market
from ..markets.service import market_by_slug
from ..sessions import sign_out_turn
from ..staff.roles import is_staff
from ..urls import mail_link_root, safe_next_url
from .forms import SignInForm, SignInLinkForm, SignOutForm, UseSignInLinkForm
from .links import send_sign_in_link, usable_sign_in_link, use_sign_in_link
from .service import authenticate, market_staff_sign_ins

bp = Blueprint("lgadmin_auth", __name__)
# The sign-in pages of one market, under the shopper pages' URL (LGADMIN_SHOP_URL).
market_bp = Blueprint("lgadmin_shop_sign_in", __name__)

BAD_CREDENTIALS = "That email and password don't match an active account."
CHOOSE_MARKET = "You manage more than one market: choose the one to sign in to."


def _landing_url(account) -> str:
    if is_staff(account):
        return url_for(f"{current_app.config['LGADMIN_ADMIN_ENDPOINT']}.index")
    return url_for("lgadmin_shop.account", market_slug=account.market.slug)


def _sign_in(market: Market | None):
    form = SignInForm()
    choose_from = []
    if form.validate_on_submit():
        account = authenticate(market, form.email.data, form.password.data)
        if account is None and market is None:
            # A market manager on the platform's page: their market's account is the one.
            staff = market_staff_sign_ins(form.email.data, form.password.data)
            if len(staff) == 1:
                account = staff[0]
            else:
                choose_from = [a.market for a in staff]
        if account is None and choose_from:
            flash(CHOOSE_MARKET, "info")
        elif account is None:
            flash(BAD_CREDENTIALS, "error")
        else:
            # A fresh session, so nothing from before sign-in carries over.
            ensure_signs_in()
            session.clear()
            sign_in_as(account)
            record_sign_in(account)
            return redirect(safe_next_url(request.args.get("next")) or _landing_url(account))
    markets = db.session.scalars(select(Market).order_by(Market.name)).all() if not market else []
    return render_template(
        "lgadmin/auth/sign_in.html",
        form=form,
        market=market,
        markets=choose_from or markets,
        choosing=bool(choose_from),
    )


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.sign_in_attempts
def sign_in():
    return _sign_in(None)


@market_bp.route("/<market_slug>/sign-in", methods=["GET", "POST"])
@limits.sign_in_attempts
def market_sign_in(market_slug: str):
    return _sign_in(market_by_slug(market_slug))


LINK_SENT = (
    "If {email} has an account at {market}, we've sent it a link to sign in. "
    "The link works once, for 15 minutes."
)
LINK_NOT_USABLE = (
    "That sign-in link has expired or was already used. Enter your email address and "
    "we'll send you a new one."
)


def _link_market(market_slug: str) -> Market:
    market = market_by_slug(market_slug)
    if not market.sign_in_link_enabled:
        abort(404)
    return market


@market_bp.route("/<market_slug>/sign-in/link", methods=["GET", "POST"])
@limits.per_address_and_client(
    "sign-in-link", limits.SIGN_IN_LINK_PER_ADDRESS, limits.SIGN_IN_LINK_PER_CLIENT
)
def request_sign_in_link(market_slug: str):
    """Email me a sign-in link: the same answer whether or not the address has an account."""

    market = _link_market(market_slug)
    form = SignInLinkForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        queue_job(
            send_sign_in_link,
            market.id,
            email,
            mail_link_root(),
            kind="Sign-in link",
            recipient=email,
            market_id=market.id,
        )
        flash(LINK_SENT.format(email=email, market=market.name), "info")
        return redirect(url_for(".request_sign_in_link", market_slug=market.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("lgadmin/auth/sign_in_link.html", form=form, market=market), status


@market_bp.route(
    "/<market_slug>/sign-in/link/<token>", methods=["GET", "POST"], endpoint="use_sign_in_link"
)
def use_sign_in_link_view(market_slug: str, token: str):
    """The link asks for one press of a button, so mail scanners that open links don't use it."""
    market = _link_market(market_slug)
    link = usable_sign_in_link(market, token)
    if link is None:
        flash(LINK_NOT_USABLE, "warning")
        return redirect(url_for(".request_sign_in_link", market_slug=market.slug))
    form = UseSignInLinkForm()
    if form.validate_on_submit():
        account = use_sign_in_link(link)
        if account is None:
            flash(LINK_NOT_USABLE, "warning")
            return redirect(url_for(".request_sign_in_link", market_slug=market.slug))
        db.session.commit()
        ensure_signs_in()
        session.clear()
        sign_in_as(account)
        record_sign_in(account, "link")
        return redirect(url_for("lgadmin_shop.account", market_slug=market.slug))
    response = render_template("lgadmin/auth/use_sign_in_link.html", form=form, market=market)
    return response, 200, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.errorhandler(CSRFError)
@market_bp.errorhandler(CSRFError)
def _stale_form(error):
    """A Sign out pressed on a page older than the session (an admin tab left open while
    acting as a customer) offers a fresh button instead of leaving the user signed in."""
    if request.endpoint == "lgadmin_auth.sign_out":
        return render_template("lgadmin/auth/sign_out.html", form=SignOutForm()), 400
    return render_template("lgadmin/error.html", code=400, error=error), 400


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    # In a customer's seat, signing out ends the act-as session too, and signs the manager
    # (never the customer) out everywhere; the manager's sign-in page follows.
    seat = sign_out_turn(current_app._get_current_object())
    account = seat.account if seat else current_account
    market = account.market if account.is_authenticated else None
    if account.is_authenticated:
        # Signing out signs the account out everywhere (another browser, a lost phone).
        account.end_sessions()
        db.session.commit()
    identity.sign_out()
    session.clear()
    flash("You have been signed out.", "info")
    for note in seat.notes if seat else ():
        flash(*note)
    if market is not None:
        return redirect(url_for("lgadmin_shop_sign_in.market_sign_in", market_slug=market.slug))
    return redirect(url_for("lgadmin_auth.sign_in"))

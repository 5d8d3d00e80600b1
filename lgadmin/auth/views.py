"""Sign in (per market, or as a superuser) and sign out."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import limits
from ..extensions import db
from ..markets.models import Market
from ..urls import safe_next_url
from .forms import SignInForm, SignOutForm
from .service import authenticate, record_sign_in

bp = Blueprint("auth", __name__)

BAD_CREDENTIALS = "That email and password don't match an active account."


def _landing_url(account) -> str:
    if account.is_superuser or account.is_manager:
        return url_for("admin.index")
    return url_for("shop.account", market_slug=account.market.slug)


def _sign_in(market: Market | None):
    form = SignInForm()
    if form.validate_on_submit():
        account = authenticate(market, form.email.data, form.password.data)
        if account is None:
            flash(BAD_CREDENTIALS, "error")
        else:
            # A fresh session, so nothing from before sign-in carries over.
            session.clear()
            login_user(account)
            record_sign_in(account)
            return redirect(safe_next_url(request.args.get("next")) or _landing_url(account))
    markets = db.session.scalars(select(Market).order_by(Market.name)).all() if not market else []
    return render_template("lgadmin/auth/sign_in.html", form=form, market=market, markets=markets)


@bp.route("/sign-in", methods=["GET", "POST"])
@limits.per_address_and_client("sign-in", limits.SIGN_IN_PER_ADDRESS, limits.SIGN_IN_PER_CLIENT)
def sign_in():
    return _sign_in(None)


@bp.route("/m/<market_slug>/sign-in", methods=["GET", "POST"])
@limits.per_address_and_client("sign-in", limits.SIGN_IN_PER_ADDRESS, limits.SIGN_IN_PER_CLIENT)
def market_sign_in(market_slug: str):
    market = db.session.scalars(select(Market).where(Market.slug == market_slug)).first()
    if market is None:
        abort(404)
    return _sign_in(market)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    form = SignOutForm()
    if not form.validate_on_submit():
        abort(400)
    market = current_user.market if current_user.is_authenticated else None
    logout_user()
    session.clear()
    flash("You have been signed out.", "info")
    if market is not None:
        return redirect(url_for("auth.market_sign_in", market_slug=market.slug))
    return redirect(url_for("auth.sign_in"))

"""The shopper's side of a market: for now, their account page."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..markets.models import Market
from ..payments.service import shopper_card_context

bp = Blueprint("shop", __name__, url_prefix="/m/<market_slug>")


def _market(slug: str) -> Market:
    market = db.session.scalars(select(Market).where(Market.slug == slug)).first()
    if market is None:
        abort(404)
    return market


@bp.route("/")
def home(market_slug: str):
    market = _market(market_slug)
    return render_template("lgadmin/shop/home.html", market=market)


@bp.route("/account")
def account(market_slug: str):
    market = _market(market_slug)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.market_sign_in", market_slug=market.slug))
    if current_user.market_id != market.id:
        abort(404)
    return render_template(
        "lgadmin/shop/account.html",
        market=market,
        account=current_user,
        **shopper_card_context(current_user.id),
    )

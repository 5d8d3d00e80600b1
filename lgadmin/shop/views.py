"""The shopper's side of a market: products, cart, checkout, orders and account.

A manager acting as a customer uses exactly these pages, in the customer's seat.
"""

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from ..act_as.seat import current_session
from ..addresses.service import address_book
from ..extensions import db
from ..identity import current_account
from ..orders.models import PaymentChoice
from ..submissions import AlreadyApplied
from ..tenancy import belongs_to
from .account_page import account_page
from .pages import market_page, shopper_page
from .service import (
    ShopError,
    available_payments,
    cart_lines,
    checkout,
    checkout_pricing,
    needs_membership,
    order_history,
    pay_placed_order,
    payment_choice,
    preselected_payment,
    set_cart_quantity,
    storefront,
)

bp = Blueprint("lgadmin_shop", __name__)

PAYMENT_LABELS = {
    PaymentChoice.BALANCE: "Use my account balance",
    PaymentChoice.PAY_AT_PICKUP: "Pay at pickup",
    PaymentChoice.CARD: "Card on file",
}


@bp.route("/<market_slug>/")
def home(market_slug: str):
    market = market_page(market_slug)
    signed_in = current_account.is_authenticated and belongs_to(current_account, market)
    return render_template(
        "lgadmin/shop/home.html",
        market=market,
        growers=storefront(market) if signed_in else [],
        signed_in=signed_in,
    )


@bp.route("/<market_slug>/cart", methods=["GET", "POST"])
@shopper_page
def cart(market, account):
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            set_cart_quantity(
                account,
                market,
                request.form.get("product_id"),
                request.form.get("quantity", "1"),
                add=request.form.get("mode") == "add",
            )
            db.session.commit()
        except ShopError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash("Cart updated.", "success")
        return redirect(
            request.form.get("back") == "home"
            and url_for("lgadmin_shop.home", market_slug=market.slug)
            or url_for("lgadmin_shop.cart", market_slug=market.slug)
        )
    return _cart_page(market, account)


def _cart_page(market, account, status=200):
    lines = cart_lines(account)
    return render_template(
        "lgadmin/shop/cart.html",
        market=market,
        account=account,
        lines=lines,
        total_cents=sum(line.total_cents for line in lines),
        addresses=address_book(account),
        pricing=checkout_pricing(account, market, lines, redeem_points=True),
        needs_membership=needs_membership(account, market),
        payment_choices=[(c.value, PAYMENT_LABELS[c]) for c in available_payments(account)],
        preselected_payment=preselected_payment(account, market, lines).value,
        submission_key=secrets.token_hex(16),  # Place Order applies once (submissions.py)
    ), status


@bp.route("/<market_slug>/checkout", methods=["POST"])
@shopper_page
def place(market, account):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        choice = payment_choice(account, request.form.get("payment_choice"))
    except ShopError as error:
        flash(str(error), "error")
        return _cart_page(market, account, 400)
    pickup = request.form.get("pickup_location_id", "")
    acting = current_session()
    try:
        order = checkout(
            account,
            market,
            choice,
            pickup_location_id=int(pickup) if pickup.isdigit() else None,
            buy_membership=request.form.get("buy_membership") == "y",
            placed_by=acting.manager if acting else None,
            address_id=request.form.get("address_id") or None,
            redeem_points=request.form.get("redeem_points") == "y",
            submission_key=request.form.get("submission_key"),
        )
        db.session.commit()
    except AlreadyApplied:
        db.session.rollback()
        flash("This order was placed already; it was not placed a second time.", "info")
        return redirect(url_for("lgadmin_shop.orders", market_slug=market.slug))
    except ShopError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _cart_page(market, account, 400)
    result = pay_placed_order(order, account, choice)
    if result is not None and not result.paid:
        flash(f"Order #{order.id} is placed but not paid: {result.message}", "error")
        return redirect(url_for("lgadmin_shop.orders", market_slug=market.slug))
    flash(f"Thank you! Order #{order.id} is placed.", "success")
    return redirect(url_for("lgadmin_shop.orders", market_slug=market.slug))


@bp.route("/<market_slug>/orders")
@shopper_page
def orders(market, account):
    return render_template(
        "lgadmin/shop/orders.html", market=market, account=account, orders=order_history(account)
    )


@bp.route("/<market_slug>/account")
@shopper_page
def account(market, account):
    return account_page(market, account)

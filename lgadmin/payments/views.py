"""Stripe's webhook, and the shopper's card-saving calls from the account page."""

import logging

import stripe
from flask import Blueprint, abort, current_app, flash, jsonify, request

from ..extensions import db
from ..identity import current_account
from ..markets.models import Market
from ..markets.service import market_by_slug
from ..security import csrf
from ..tenancy import belongs_to
from ..webhook_body import BodyRefused, read_webhook_json
from .client import PAYMENTS_OFF, PaymentsError, payments_enabled
from .events import BadEvent, apply_stripe_event
from .service import finish_card_setup, start_card_setup

bp = Blueprint("lgadmin_stripe", __name__)
# The shopper's card pages, under the shopper pages' URL (LGADMIN_SHOP_URL).
cards_bp = Blueprint("lgadmin_cards", __name__)
log = logging.getLogger(__name__)


@bp.post("/stripe")
@csrf.exempt  # authenticated by Stripe's signature instead
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not payments_enabled() or not secret:
        return jsonify(error=f"{PAYMENTS_OFF} No webhook signing secret is set."), 503
    try:
        payload, event = read_webhook_json(request)
    except BodyRefused as refused:
        return jsonify(error=refused.message), refused.status
    if not isinstance(event, dict):  # the library itself trips over a JSON list
        return jsonify(error="Not a Stripe event."), 400
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), secret)
    except stripe.SignatureVerificationError:
        log.warning("Stripe webhook refused: bad or expired signature")
        return jsonify(error="Bad signature."), 400
    except (ValueError, TypeError, KeyError, AttributeError):
        return jsonify(error="Not a Stripe event."), 400
    try:
        outcome = apply_stripe_event(event)
    except BadEvent as error:
        db.session.rollback()
        log.warning("Stripe webhook %s refused: %s", str(event.get("id"))[:80], error)
        return jsonify(error=f"Not a Stripe event we can read: {error}."), 400
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


def _shopper_market(market_slug: str) -> Market:
    market = market_by_slug(market_slug)
    if not current_account.is_authenticated or not belongs_to(current_account, market):
        abort(404)
    return market


@cards_bp.post("/<market_slug>/account/cards/setup")
def card_setup(market_slug: str):
    """The client secret of a new SetupIntent, for Stripe.js to confirm the card with."""
    _shopper_market(market_slug)
    try:
        client_secret = start_card_setup(current_account._get_current_object())
    except PaymentsError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 503
    db.session.commit()  # keeps the new Stripe customer id
    return jsonify(client_secret=client_secret)


@cards_bp.post("/<market_slug>/account/cards/saved")
def card_saved(market_slug: str):
    """Stripe.js confirmed the SetupIntent: make that card the default and show it."""
    _shopper_market(market_slug)
    try:
        shopper = current_account._get_current_object()
        result = finish_card_setup(shopper, request.form.get("setup_intent", ""))
    except PaymentsError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 400
    db.session.commit()
    card = next((card for card in result.cards if card.is_default), None)
    message = f"Your card {card.brand_name} •••• {card.last4} is saved." if card else "Card saved."
    flash(message, "success")
    return jsonify(saved=True, message=message)

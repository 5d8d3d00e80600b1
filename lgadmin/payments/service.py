"""Payments with Stripe: refresh the saved cards, save a card, charge an order to it.

Pages never call Stripe while rendering: they read the local rows (payments.cards).
"""

import re
import uuid
from dataclasses import dataclass

import stripe

from ..accounts.models import Account
from ..extensions import db
from ..timeutil import utcnow
from .cards import (
    BadCardData,
    card_fields,
    lock_account_for_cards,
    saved_payment_methods,
    settle_default,
    upsert_card,
)
from .charges import ChargeResult, charge_order_with_saved_card
from .client import (
    PAYMENTS_OFF,
    STRIPE_JS_URL,
    PaymentsError,
    card_form_enabled,
    payments_enabled,
    stripe_client,
    unreachable,
)
from .events import APPLIED, REFRESH
from .models import PaymentMethod, StripeEvent

__all__ = [
    "ChargeResult",
    "PaymentsError",
    "RefreshResult",
    "charge_order_with_saved_card",
    "ensure_stripe_customer",
    "finish_card_setup",
    "payment_information",
    "refresh_payment_methods",
    "shopper_card_context",
    "start_card_setup",
]

_SETUP_INTENT_ID = re.compile(r"^seti_[A-Za-z0-9_]{1,200}$")


@dataclass(frozen=True)
class RefreshResult:
    cards: list[PaymentMethod]

    @property
    def message(self) -> str:
        if not self.cards:
            return "Refreshed from Stripe: No saved payment method."
        default = next((card for card in self.cards if card.is_default), self.cards[0])
        count = f"{len(self.cards)} saved card" + ("s" if len(self.cards) != 1 else "")
        return f"Refreshed from Stripe: {count}; default {default.brand_name} •••• {default.last4}."


def refresh_payment_methods(account: Account) -> RefreshResult:
    """Re-read the customer's cards and default from Stripe and replace the local rows.

    For when a webhook was missed. Raises PaymentsError (rows untouched) when
    Stripe cannot be asked. The caller commits.
    """
    if not payments_enabled():
        raise PaymentsError(PAYMENTS_OFF)
    customer_id = account.stripe_customer_id
    if not customer_id:
        return _replace_cards(account, [], None, "")
    client = stripe_client()
    try:
        customer = client.v1.customers.retrieve(customer_id).to_dict()
        listing = client.v1.payment_methods.list(
            params={"customer": customer_id, "type": "card", "limit": 100}
        )
        payment_methods = [pm.to_dict() for pm in listing.auto_paging_iter()]
    except stripe.InvalidRequestError as error:
        if error.http_status != 404:
            raise PaymentsError(unreachable(error)) from None
        customer, payment_methods = {"deleted": True}, []  # the customer is gone at Stripe
    except stripe.StripeError as error:
        raise PaymentsError(unreachable(error)) from None
    if customer.get("deleted"):
        payment_methods, default_id = [], None
    else:
        settings = customer.get("invoice_settings") or {}
        default_id = settings.get("default_payment_method")
        if isinstance(default_id, dict):
            default_id = default_id.get("id")
    return _replace_cards(account, payment_methods, default_id, customer_id)


def _replace_cards(account, payment_methods, default_id, customer_id) -> RefreshResult:
    lock_account_for_cards(account.id)
    now = utcnow().replace(microsecond=0)
    keep = set()
    for payment_method in payment_methods:
        try:
            fields = card_fields(payment_method)
        except BadCardData:
            continue  # one odd card must not hide the others
        if fields is None or not payment_method.get("id"):
            continue
        upsert_card(account.id, payment_method["id"], fields, now)
        keep.add(payment_method["id"])
    for row in saved_payment_methods(account.id):
        if row.stripe_payment_method_id not in keep:
            db.session.delete(row)
    db.session.flush()
    newest = payment_methods[0]["id"] if payment_methods else None  # Stripe lists newest first
    settle_default(account.id, default_id, newest_id=newest)
    if customer_id:
        # Remembered like an event, so that webhooks older than this read cannot undo it.
        db.session.add(
            StripeEvent(
                stripe_event_id=f"lgadmin-refresh-{uuid.uuid4().hex}",
                type=REFRESH,
                object_id=customer_id,
                customer_id=customer_id,
                default_payment_method_id=default_id,
                created_at=now,
                outcome=APPLIED,
            )
        )
    db.session.flush()
    db.session.expire_all()
    return RefreshResult(saved_payment_methods(account.id))


def delete_stripe_customer(customer_id: str) -> None:
    """Delete a customer at Stripe, with the cards saved there (a job, after an erasure).

    One already gone counts as done; anything else raises, so the job is retried."""
    try:
        stripe_client().customers.delete(customer_id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            raise


def ensure_stripe_customer(account: Account) -> str:
    """The account's Stripe customer id, creating the customer at Stripe the first time.

    The idempotency key stops two tabs from creating two customers. The caller commits.
    """
    if account.stripe_customer_id:
        return account.stripe_customer_id
    customer = stripe_client().v1.customers.create(
        params={
            "email": account.email,
            "name": str(account),
            "metadata": {"account_id": str(account.id), "market_id": str(account.market_id)},
        },
        options={"idempotency_key": f"customer-account-{account.id}"},
    )
    account.stripe_customer_id = customer.id
    db.session.flush()
    return customer.id


def start_card_setup(account: Account) -> str:
    """A SetupIntent for saving a card for later off-session charges; returns its client secret."""
    if not payments_enabled():
        raise PaymentsError(PAYMENTS_OFF)
    try:
        customer_id = ensure_stripe_customer(account)
        setup_intent = stripe_client().v1.setup_intents.create(
            params={
                "customer": customer_id,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": {"account_id": str(account.id)},
            }
        )
    except stripe.StripeError as error:
        raise PaymentsError(unreachable(error)) from None
    return setup_intent.client_secret


def finish_card_setup(account: Account, setup_intent_id: str) -> RefreshResult:
    """After Stripe.js confirmed the SetupIntent: make the new card the default and sync rows.

    Only the account's own succeeded SetupIntent is accepted. The caller commits.
    """
    if not payments_enabled():
        raise PaymentsError(PAYMENTS_OFF)
    if not isinstance(setup_intent_id, str) or not _SETUP_INTENT_ID.match(setup_intent_id):
        raise PaymentsError("The card could not be saved: the card form sent nothing we know.")
    client = stripe_client()
    try:
        setup_intent = client.v1.setup_intents.retrieve(setup_intent_id).to_dict()
    except stripe.InvalidRequestError:
        raise PaymentsError("The card could not be saved: Stripe does not know it.") from None
    except stripe.StripeError as error:
        raise PaymentsError(unreachable(error)) from None
    customer = setup_intent.get("customer")
    if not account.stripe_customer_id or customer != account.stripe_customer_id:
        raise PaymentsError("The card could not be saved: it was not entered for your account.")
    if setup_intent.get("status") != "succeeded":
        raise PaymentsError("The card was not saved: Stripe did not confirm it. Please try again.")
    payment_method_id = setup_intent.get("payment_method")
    if isinstance(payment_method_id, dict):
        payment_method_id = payment_method_id.get("id")
    try:
        client.v1.customers.update(
            account.stripe_customer_id,
            params={"invoice_settings": {"default_payment_method": payment_method_id}},
        )
    except stripe.StripeError as error:
        raise PaymentsError(unreachable(error)) from None
    return refresh_payment_methods(account)


def shopper_card_context(account_id: int) -> dict:
    """What the account page's card section needs; read from local rows, no Stripe call."""
    return {
        "payment_methods": saved_payment_methods(account_id),
        "payments_enabled": payments_enabled(),
        "card_form_enabled": card_form_enabled(),
        "stripe_js_url": STRIPE_JS_URL,
    }


def payment_information(account: Account) -> dict:
    """The context of templates/lgadmin/payments/_payment_information.html (details page)."""
    return {
        "account": account,
        "payment_methods": saved_payment_methods(account.id),
        "payments_enabled": payments_enabled(),
    }

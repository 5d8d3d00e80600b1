"""Charging an order to the card on file, off-session, never twice."""

from dataclasses import dataclass

import stripe
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..extensions import db
from ..markets.models import Market
from ..money import format_money
from ..orders.models import Order
from ..timeutil import utcnow
from .cards import default_card
from .client import PAYMENTS_OFF, payments_enabled, stripe_client
from .models import CardCharge

SUCCEEDED = "succeeded"
ALREADY_PAID = "already_paid"
DECLINED = "declined"
REQUIRES_ACTION = "requires_action"
PROCESSING = "processing"
FAILED = "failed"  # refused before any money moved; a new attempt may use a new key
UNKNOWN = "unknown"  # no answer: the next attempt replays the same request
PENDING = "pending"  # the call is under way (or its process died): treated like UNKNOWN

MUST_CONFIRM = (
    "The card needs the shopper's confirmation: the shopper must confirm the payment "
    "themselves. The order stays unpaid."
)
STAYS_UNPAID = "The order stays unpaid."


@dataclass(frozen=True)
class ChargeResult:
    paid: bool
    status: str
    message: str
    payment_intent_id: str | None = None


def charge_order_with_saved_card(order: Order, account: Account) -> ChargeResult:
    """Charge what `order` still owes to `account`'s default card, confirmed off-session.

    Commits: the attempt is saved before Stripe is called and its outcome right
    after, so that a retried request finds it. The idempotency key is
    `order-<id>` for the first attempt and changes only after an outcome that
    is known to have moved no money; a lost answer is retried with the same
    key, so Stripe replays it instead of charging again. Card payments do not
    touch the balance ledger.
    """
    refusal = _refusal(order, account)
    if refusal is not None:
        return refusal
    card = default_card(account.id)
    if card is None or not account.stripe_customer_id:
        return ChargeResult(False, FAILED, f"No saved payment method. {STAYS_UNPAID}")
    if card.is_expired:
        return ChargeResult(
            False,
            FAILED,
            f"The saved card ({card.brand_name} •••• {card.last4}) expired "
            f"{card.exp_month:02d}/{card.exp_year}. {STAYS_UNPAID}",
        )
    attempts = list(
        db.session.scalars(
            select(CardCharge).where(CardCharge.order_id == order.id).order_by(CardCharge.id)
        )
    )
    last = attempts[-1] if attempts else None
    if last is not None and last.status in (REQUIRES_ACTION, PROCESSING) and last.payment_intent_id:
        result = _recheck(order, last)
        if result is not None:
            return result
    if last is not None and last.status in (UNKNOWN, PENDING):
        attempt = last  # same key, same card, same amount: Stripe replays the first answer
    else:
        key = f"order-{order.id}" if not attempts else f"order-{order.id}-{len(attempts) + 1}"
        attempt = CardCharge(
            market_id=order.market_id,
            order_id=order.id,
            account_id=account.id,
            idempotency_key=key,
            stripe_payment_method_id=card.stripe_payment_method_id,
            amount_cents=order.amount_due_cents,
        )
        db.session.add(attempt)
    attempt.status = PENDING
    try:
        db.session.commit()
    except IntegrityError:  # another request took this key a moment ago
        db.session.rollback()
        return ChargeResult(False, PENDING, f"This order is already being charged. {STAYS_UNPAID}")
    result = _charge(order, account, attempt)
    attempt.status = result.status
    attempt.message = result.message[:500]
    attempt.payment_intent_id = result.payment_intent_id or attempt.payment_intent_id
    db.session.commit()
    return result


def _refusal(order: Order, account: Account) -> ChargeResult | None:
    if order.account_id != account.id:
        return ChargeResult(False, FAILED, "This order belongs to another customer.")
    if order.cancelled_at is not None:
        return ChargeResult(False, FAILED, "This order was cancelled; there is nothing to charge.")
    if order.is_paid:
        return ChargeResult(True, ALREADY_PAID, "This order is already paid.")
    if not payments_enabled():
        return ChargeResult(False, FAILED, f"{PAYMENTS_OFF} {STAYS_UNPAID}")
    return None


def _mark_paid(order: Order) -> None:
    order.amount_due_cents = 0
    order.paid_at = utcnow()


def _paid_message(order: Order, attempt: CardCharge) -> str:
    currency = db.session.get(Market, order.market_id).currency
    return f"Paid {format_money(attempt.amount_cents, currency)} with the card on file."


def _charge(order: Order, account: Account, attempt: CardCharge) -> ChargeResult:
    market = db.session.get(Market, order.market_id)
    params = {
        "amount": attempt.amount_cents,
        "currency": market.currency.lower(),
        "customer": account.stripe_customer_id,
        "payment_method": attempt.stripe_payment_method_id,
        "off_session": True,
        "confirm": True,
        "description": f"{market.name} order #{order.id}",
        "metadata": {"order_id": str(order.id), "market_id": str(market.id)},
    }
    try:
        intent = stripe_client().v1.payment_intents.create(
            params=params, options={"idempotency_key": attempt.idempotency_key}
        )
    except stripe.CardError as error:
        return _card_error(error)
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError):
        return ChargeResult(
            False,
            UNKNOWN,
            "Stripe could not be reached, so the card was not charged as far as we know. "
            f"{STAYS_UNPAID} Trying again is safe: it will not charge twice.",
        )
    except stripe.StripeError as error:
        reason = error.user_message or "no reason given"
        return ChargeResult(False, FAILED, f"Stripe refused the payment: {reason} {STAYS_UNPAID}")
    return _outcome(order, attempt, intent.id, intent.status)


def _outcome(order: Order, attempt: CardCharge, intent_id: str, status: str) -> ChargeResult:
    if status == SUCCEEDED:
        _mark_paid(order)
        return ChargeResult(True, SUCCEEDED, _paid_message(order, attempt), intent_id)
    if status == REQUIRES_ACTION:
        return ChargeResult(False, REQUIRES_ACTION, MUST_CONFIRM, intent_id)
    if status == PROCESSING:
        return ChargeResult(
            False, PROCESSING, f"The payment is still processing. {STAYS_UNPAID}", intent_id
        )
    return ChargeResult(False, DECLINED, f"The card was declined. {STAYS_UNPAID}", intent_id)


def _card_error(error: stripe.CardError) -> ChargeResult:
    body = (error.json_body or {}).get("error") or {}
    intent = body.get("payment_intent") or {}
    intent_id = intent.get("id") if isinstance(intent, dict) else None
    if error.code == "authentication_required":
        return ChargeResult(False, REQUIRES_ACTION, MUST_CONFIRM, intent_id)
    reason = error.user_message or "no reason given"
    return ChargeResult(
        False, DECLINED, f"The card was declined: {reason} {STAYS_UNPAID}", intent_id
    )


def _recheck(order: Order, last: CardCharge) -> ChargeResult | None:
    """The shopper may have confirmed a payment that needed them: ask Stripe, charge nothing."""
    try:
        intent = stripe_client().v1.payment_intents.retrieve(last.payment_intent_id)
    except stripe.StripeError:
        return ChargeResult(
            False,
            last.status,
            f"{last.message} Stripe could not be asked whether it has changed.",
            last.payment_intent_id,
        )
    if intent.status in (SUCCEEDED, REQUIRES_ACTION, PROCESSING):
        result = _outcome(order, last, intent.id, intent.status)
        last.status = result.status
        db.session.commit()
        return result
    last.status = DECLINED  # the shopper gave up or the card failed: a new attempt may start
    db.session.flush()
    return None

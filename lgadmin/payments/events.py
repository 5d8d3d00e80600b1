"""Stripe webhook events applied to the local card rows: de-duplicated, never out of order."""

from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..extensions import db
from .cards import (
    BadCardData,
    card_fields,
    lock_account_for_cards,
    remove_card,
    settle_default,
    upsert_card,
)
from .models import PaymentMethod, StripeEvent

PAYMENT_METHOD_EVENTS = {
    "payment_method.attached",
    "payment_method.detached",
    "payment_method.updated",
    "payment_method.automatically_updated",
}
CUSTOMER_UPDATED = "customer.updated"
REFRESH = "lgadmin.refresh"

APPLIED = "applied"
DUPLICATE = "duplicate"
STALE = "stale"
IGNORED = "ignored"
UNKNOWN_CUSTOMER = "unknown customer"


class BadEvent(ValueError):
    """A signed payload that is not a Stripe event we can read."""


def apply_stripe_event(event: dict) -> str:
    """Bring the card rows up to date with one verified event; returns the outcome.

    A redelivered event id is a no-op, and an event older than what was
    already applied to its payment method (or customer) is stored as stale
    and changes nothing. The caller commits (this rolls back only when the
    same event is being stored concurrently, before anything was changed).
    """
    event_id, event_type, created = _event_header(event)
    obj = event.get("data", {}).get("object")
    if not isinstance(obj, dict):
        raise BadEvent("event without data.object")
    record = StripeEvent(
        stripe_event_id=event_id,
        type=event_type[:100],
        object_id=str(obj.get("id") or "")[:255],
        created_at=created,
        outcome="pending",
    )
    if already_received(event_id):
        return DUPLICATE
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:  # the same event, delivered twice at once: the other one applies it
        db.session.rollback()
        return DUPLICATE
    if event_type in PAYMENT_METHOD_EVENTS:
        previous = event.get("data", {}).get("previous_attributes") or {}
        record.outcome = _apply_payment_method_event(record, obj, previous)
    elif event_type == CUSTOMER_UPDATED:
        record.outcome = _apply_customer_event(record, obj)
    else:
        record.outcome = IGNORED
    db.session.flush()
    return record.outcome


def already_received(event_id: str) -> bool:
    stmt = select(StripeEvent.id).where(StripeEvent.stripe_event_id == event_id)
    return db.session.scalar(stmt) is not None


def _event_header(event: dict) -> tuple[str, str, datetime]:
    event_id, event_type, created = event.get("id"), event.get("type"), event.get("created")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
        raise BadEvent("event without an id")
    if not isinstance(event_type, str) or not event_type:
        raise BadEvent("event without a type")
    if not isinstance(created, int) or isinstance(created, bool) or created <= 0:
        raise BadEvent("event without a creation time")
    try:
        return event_id, event_type, datetime.fromtimestamp(created, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):  # a number of 20 digits is no time
        raise BadEvent("event with a creation time out of range") from None


def _id_of(value) -> str | None:
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _account_for(customer_id: str | None) -> Account | None:
    if not customer_id:
        return None
    return db.session.scalars(
        select(Account).where(Account.stripe_customer_id == customer_id)
    ).first()


def _newest_applied(*conditions) -> tuple[datetime | None, str | None]:
    """Creation time and type of the newest applied event matching any condition."""
    stmt = (
        select(StripeEvent.created_at, StripeEvent.type)
        .where(StripeEvent.outcome == APPLIED, or_(*conditions))
        .order_by(StripeEvent.created_at.desc(), StripeEvent.id.desc())
        .limit(1)
    )
    row = db.session.execute(stmt).first()
    return (row[0], row[1]) if row else (None, None)


def stripe_default_for(customer_id: str) -> str | None:
    """The default card Stripe last reported for the customer (by event or refresh)."""
    stmt = (
        select(StripeEvent.default_payment_method_id)
        .where(
            StripeEvent.outcome == APPLIED,
            StripeEvent.customer_id == customer_id,
            StripeEvent.type.in_((CUSTOMER_UPDATED, REFRESH)),
        )
        .order_by(StripeEvent.created_at.desc(), StripeEvent.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def _apply_payment_method_event(record: StripeEvent, obj: dict, previous: dict) -> str:
    payment_method_id = record.object_id
    if not payment_method_id:
        raise BadEvent("payment method without an id")
    customer_id = _id_of(obj.get("customer")) or _id_of(previous.get("customer"))
    account = _account_for(customer_id)
    if account is None:
        existing = db.session.scalars(
            select(PaymentMethod).where(PaymentMethod.stripe_payment_method_id == payment_method_id)
        ).first()
        account = existing.account if existing else None
    if account is None:
        return UNKNOWN_CUSTOMER
    customer_id = account.stripe_customer_id or customer_id or ""
    record.customer_id = customer_id
    lock_account_for_cards(account.id)
    if _is_stale(record, payment_method_id, customer_id):
        return STALE
    attached_to_account = _id_of(obj.get("customer")) == account.stripe_customer_id
    if record.type == "payment_method.detached" or not attached_to_account:
        removed = remove_card(payment_method_id)
        if removed is not None:
            settle_default(account.id, stripe_default_for(customer_id))
        return APPLIED
    try:
        fields = card_fields(obj)
    except BadCardData as error:
        raise BadEvent(str(error)) from None
    if fields is None:
        return IGNORED  # not a card (a bank account, say): nothing the grid shows
    upsert_card(account.id, payment_method_id, fields, record.created_at)
    settle_default(account.id, stripe_default_for(customer_id), newest_id=payment_method_id)
    return APPLIED


def _is_stale(record: StripeEvent, payment_method_id: str, customer_id: str) -> bool:
    newest, newest_type = _newest_applied(
        StripeEvent.object_id == payment_method_id,
        (StripeEvent.type == REFRESH) & (StripeEvent.customer_id == customer_id),
    )
    row_seen = db.session.scalar(
        select(func.max(PaymentMethod.stripe_event_created_at)).where(
            PaymentMethod.stripe_payment_method_id == payment_method_id
        )
    )
    if row_seen is not None and (newest is None or row_seen > newest):
        newest, newest_type = row_seen, None
    if newest is None:
        return False
    if record.created_at < newest:
        return True
    # Within the same second a detach wins: Stripe's times have no finer grain.
    return record.created_at == newest and newest_type == "payment_method.detached"


def _apply_customer_event(record: StripeEvent, obj: dict) -> str:
    customer_id = record.object_id
    account = _account_for(customer_id)
    if account is None:
        return UNKNOWN_CUSTOMER
    record.customer_id = customer_id
    lock_account_for_cards(account.id)
    newest, _ = _newest_applied(
        (StripeEvent.customer_id == customer_id) & StripeEvent.type.in_((CUSTOMER_UPDATED, REFRESH))
    )
    if newest is not None and record.created_at < newest:
        return STALE
    settings = obj.get("invoice_settings") or {}
    if not isinstance(settings, dict):
        raise BadEvent("invoice_settings is not an object")
    default_id = _id_of(settings.get("default_payment_method"))
    record.default_payment_method_id = default_id
    settle_default(account.id, default_id)
    return APPLIED

"""The local copy of an account's saved cards: what the grid and details read.

Only brand, last 4 digits and expiry are kept; Stripe never sends more, and
anything else in its payloads (fingerprints, billing details) is not stored.
Which card is the default: the one Stripe names as the customer's default
when it is among the cards, otherwise the card already marked, otherwise the
newest, so that a shopper with one card always has a card on file.
"""

import re
from datetime import datetime

from sqlalchemy import select, update

from ..accounts.models import Account
from ..extensions import db
from .models import PaymentMethod

_LAST4 = re.compile(r"^[0-9]{4}$")


class BadCardData(ValueError):
    """A payment method object without the card fields we show."""


def saved_payment_methods(account_id: int) -> list[PaymentMethod]:
    """The account's cards, default first, then newest first."""
    stmt = (
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account_id)
        .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id.desc())
    )
    return list(db.session.scalars(stmt))


def default_card(account_id: int) -> PaymentMethod | None:
    stmt = select(PaymentMethod).where(
        PaymentMethod.account_id == account_id, PaymentMethod.is_default
    )
    return db.session.scalars(stmt).first()


def lock_account_for_cards(account_id: int) -> Account:
    """Serialises card changes of one account (webhooks may arrive side by side); NO KEY,
    as lock_account, so rows referring to the account are not held up."""
    stmt = select(Account).where(Account.id == account_id).with_for_update(key_share=True)
    return db.session.execute(stmt).scalar_one()


def card_fields(payment_method: dict) -> dict | None:
    """brand, last4, exp_month, exp_year of a card payment method; None for other types."""
    if payment_method.get("type") != "card":
        return None
    card = payment_method.get("card")
    if not isinstance(card, dict):
        raise BadCardData("card payment method without card details")
    try:
        fields = {
            "brand": str(card.get("brand") or "card")[:20],
            "last4": str(card["last4"]),
            "exp_month": int(card["exp_month"]),
            "exp_year": int(card["exp_year"]),
        }
    except (KeyError, TypeError, ValueError):
        raise BadCardData("card details incomplete") from None
    if not _LAST4.match(fields["last4"]) or not 1 <= fields["exp_month"] <= 12:
        raise BadCardData("card details malformed")
    return fields


def upsert_card(account_id: int, payment_method_id: str, fields: dict, seen_at: datetime):
    """The local row of a Stripe payment method, created or brought up to date."""
    stmt = select(PaymentMethod).where(PaymentMethod.stripe_payment_method_id == payment_method_id)
    row = db.session.scalars(stmt).first()
    if row is None:
        row = PaymentMethod(stripe_payment_method_id=payment_method_id, is_default=False)
        db.session.add(row)
    elif row.account_id != account_id and row.is_default:
        row.is_default = False  # moved to another customer: it is no longer the old one's default
    row.account_id = account_id
    for name, value in fields.items():
        setattr(row, name, value)
    row.stripe_event_created_at = seen_at
    db.session.flush()
    return row


def remove_card(payment_method_id: str) -> PaymentMethod | None:
    stmt = select(PaymentMethod).where(PaymentMethod.stripe_payment_method_id == payment_method_id)
    row = db.session.scalars(stmt).first()
    if row is not None:
        db.session.delete(row)
        db.session.flush()
    return row


def settle_default(account_id: int, stripe_default_id: str | None, newest_id: str | None = None):
    """Mark exactly one of the account's cards as default (none when it has no cards)."""
    rows = saved_payment_methods(account_id)
    by_stripe_id = {row.stripe_payment_method_id: row for row in rows}
    chosen = (
        by_stripe_id.get(stripe_default_id or "")
        or next((row for row in rows if row.is_default), None)
        or by_stripe_id.get(newest_id or "")
        or (max(rows, key=lambda row: row.id) if rows else None)
    )
    # Clear first, then set: the partial unique index allows one default per account.
    db.session.execute(
        update(PaymentMethod)
        .where(PaymentMethod.account_id == account_id, PaymentMethod.is_default)
        .where(PaymentMethod.id != (chosen.id if chosen else -1))
        .values(is_default=False)
    )
    if chosen is not None and not chosen.is_default:
        db.session.execute(
            update(PaymentMethod).where(PaymentMethod.id == chosen.id).values(is_default=True)
        )
    return chosen

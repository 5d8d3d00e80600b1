from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import market_today, utcnow


class PaymentMethod(db.Model):
    """A card saved at Stripe: only what is safe to show, never the number."""

    __tablename__ = "lgadmin_payment_method"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    stripe_payment_method_id: Mapped[str] = mapped_column(String(64), unique=True)
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    is_default: Mapped[bool] = mapped_column(default=False)
    # Creation time of the newest Stripe event applied, so older events never win.
    stripe_event_created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account = relationship("Account")

    __table_args__ = (
        # At most one default card per account: the grid joins on it.
        Index(
            "uq_lgadmin_payment_method_default",
            "account_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    @property
    def is_expired(self) -> bool:
        return card_is_expired(self.exp_year, self.exp_month, market_today(self.account.market))

    @property
    def brand_name(self) -> str:
        return BRAND_NAMES.get(self.brand, self.brand.title() or "Card")


def card_is_expired(exp_year: int, exp_month: int, today: date) -> bool:
    """A card is good through the last day of its expiry month, in the market's calendar."""
    return (exp_year, exp_month) < (today.year, today.month)


BRAND_NAMES = {
    "amex": "American Express",
    "diners": "Diners Club",
    "discover": "Discover",
    "eftpos_au": "eftpos",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
    "visa": "Visa",
}


class StripeEvent(db.Model):
    """A Stripe webhook event as received (ids and times only, never the payload).

    The unique event id de-duplicates redeliveries; `created_at` (Stripe's
    clock) and `object_id` let a late, older event be recognised as stale.
    A "Refresh from Stripe" is stored here too, as type `lgadmin.refresh`,
    so that events older than the refresh cannot undo it.
    """

    __tablename__ = "lgadmin_stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    # The payment method or customer the event is about.
    object_id: Mapped[str] = mapped_column(String(255), default="")
    customer_id: Mapped[str] = mapped_column(String(255), default="")
    # For customer.updated and refreshes: the default card Stripe reported.
    default_payment_method_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        Index("ix_lgadmin_stripe_event_object_created", "object_id", "created_at"),
        Index("ix_lgadmin_stripe_event_customer_created", "customer_id", "created_at"),
    )


class CardCharge(db.Model):
    """One attempt to charge an order to the card on file.

    The idempotency key changes only after an attempt whose outcome is known
    (declined, failed); after an unknown outcome (network failure) the next
    attempt reuses the key, so Stripe replays rather than charges again.
    """

    __tablename__ = "lgadmin_card_charge"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    order_id: Mapped[int] = mapped_column(
        ForeignKey("lgadmin_orders.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    stripe_payment_method_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # The customer's timeline lists an account's charges, newest first.
    __table_args__ = (Index("ix_lgadmin_card_charge_account_created", "account_id", "created_at"),)

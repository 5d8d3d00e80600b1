import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class PaymentChoice(enum.StrEnum):
    BALANCE = "balance"
    PAY_AT_PICKUP = "pay_at_pickup"
    CARD = "card"


class Order(db.Model):
    __tablename__ = "lgadmin_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    # What the customer still owes on this order; 0 means paid.
    amount_due_cents: Mapped[int] = mapped_column(BigInteger)
    balance_applied_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    includes_membership: Mapped[bool] = mapped_column(default=False)
    payment_choice: Mapped[PaymentChoice] = mapped_column(
        enum_column(PaymentChoice),
        default=PaymentChoice.BALANCE,
    )
    pickup_location_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_pickup_location.id"))
    # The manager who placed it while acting as the customer, if any.
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_account.id"))
    paid_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # The customer group's discount and the loyalty points redeemed, both already
    # taken off total_cents; the items keep their unit prices.
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    loyalty_discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # The delivery address chosen at checkout, as it read then.
    delivery_address: Mapped[str] = mapped_column(String(500), default="")

    items: Mapped[list["OrderItem"]] = relationship(back_populates="order", cascade="all")
    pickup_location = relationship("PickupLocation")

    __table_args__ = (Index("ix_lgadmin_order_account_placed", "account_id", "placed_at"),)

    @property
    def is_paid(self) -> bool:
        return self.amount_due_cents == 0


class OrderItem(db.Model):
    __tablename__ = "lgadmin_order_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("lgadmin_orders.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_product.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)

    order: Mapped[Order] = relationship(back_populates="items")


class CartItem(db.Model):
    __tablename__ = "lgadmin_cart_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_product.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    product = relationship("Product")

    __table_args__ = (UniqueConstraint("account_id", "product_id"),)

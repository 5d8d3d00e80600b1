from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class Market(db.Model):
    __tablename__ = "lgadmin_market"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(60), default="America/New_York")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    membership_required: Mapped[bool] = mapped_column(default=False)
    membership_price_cents: Mapped[int] = mapped_column(default=0)
    trial_orders_allowed: Mapped[int] = mapped_column(default=0)
    pickup_locations_enabled: Mapped[bool] = mapped_column(default=False)
    # Loyalty program (specs 002, 003): points earned per whole unit of currency spent,
    # and what one point is worth when a shopper redeems it at checkout.
    loyalty_enabled: Mapped[bool] = mapped_column(default=False)
    loyalty_points_per_unit: Mapped[int] = mapped_column(default=1)
    loyalty_point_value_cents: Mapped[int] = mapped_column(default=1)
    # Shoppers may sign in by an emailed single-use link (spec 004).
    sign_in_link_enabled: Mapped[bool] = mapped_column(default=False)
    # How the market's mail reads (Market Settings); empty means the default: the market's
    # name as the sender, and its managers' addresses to reply to (lgadmin.mail).
    mail_sender_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    mail_reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    # A mailbox that unsubscribes whoever writes to it: the mailto: in List-Unsubscribe.
    mail_unsubscribe_mailbox: Mapped[str] = mapped_column(
        String(254), default="", server_default=""
    )
    # How many accounts the market has (closed, merged and erased ones too: their rows stay),
    # kept by the flush that adds or deletes one (lgadmin.accounts.models), so the customer
    # grid shows its total without counting the market on every page.
    customer_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pickup_locations: Mapped[list["PickupLocation"]] = relationship(
        back_populates="market", order_by="PickupLocation.name"
    )

    def __str__(self) -> str:
        return self.name


class PickupLocation(db.Model):
    __tablename__ = "lgadmin_pickup_location"
    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(250), default="")
    active: Mapped[bool] = mapped_column(default=True)

    market: Mapped[Market] = relationship(back_populates="pickup_locations")

    __table_args__ = (
        Index("uq_lgadmin_pickup_location_market_name", "market_id", func.lower(name), unique=True),
    )

    def __str__(self) -> str:
        return self.name

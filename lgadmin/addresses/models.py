from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class Address(db.Model):
    """One address in a customer's address book (specs 001, 003, 004).

    At most one address per account is the default billing address and one the
    default shipping (delivery) address; the account's own address columns
    mirror the default shipping address.
    """

    __tablename__ = "lgadmin_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(40), default="")
    recipient: Mapped[str] = mapped_column(String(160), default="")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")
    is_default_billing: Mapped[bool] = mapped_column(default=False)
    is_default_shipping: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def one_line(self) -> str:
        """The address on one line, as an order keeps it."""
        parts = [self.recipient, self.line1, self.line2, self.city]
        region_postal = " ".join(p for p in (self.region, self.postal_code) if p)
        parts.append(region_postal)
        return ", ".join(p for p in parts if p)

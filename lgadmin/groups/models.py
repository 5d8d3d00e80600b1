from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class CustomerGroup(db.Model):
    """A named group of a market's customers with a discount taken off at checkout (spec 004)."""

    __tablename__ = "lgadmin_customer_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # 0 to 100, at most two decimals (12.5 means 12.5 % off).
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("uq_lgadmin_customer_group_market_name", "market_id", func.lower(name), unique=True),
    )

    def __str__(self) -> str:
        return self.name

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class LoyaltyKind(enum.StrEnum):
    EARNED = "earned"  # points earned by an order, at the market's rate
    REDEEMED = "redeemed"  # points spent at checkout
    BONUS = "bonus"  # bonus points given to a group of customers
    MANUAL = "manual"  # a manager's "Adjust loyalty points"

    @property
    def label(self) -> str:
        return {
            "earned": "Points earned",
            "redeemed": "Points redeemed",
            "bonus": "Bonus points",
            "manual": "Manual adjustment",
        }[self.value]


class LoyaltyEntry(db.Model):
    """One change of an account's loyalty points; the points are the sum of these."""

    __tablename__ = "lgadmin_loyalty_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    kind: Mapped[LoyaltyKind] = mapped_column(enum_column(LoyaltyKind))
    points: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_orders.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("Account", foreign_keys=[created_by_id])

    __table_args__ = (
        Index("ix_lgadmin_loyalty_entry_account_created", "account_id", "created_at"),
    )

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class GrowerApproval(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    SUSPENDED = "suspended"


class GrowerProfile(db.Model):
    """An account that also sells at its market."""

    __tablename__ = "lgadmin_grower_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    approval: Mapped[GrowerApproval] = mapped_column(
        enum_column(GrowerApproval),
        default=GrowerApproval.PENDING,
    )
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account = relationship("Account", back_populates="grower")
    products: Mapped[list["Product"]] = relationship(back_populates="grower")

    @property
    def is_approved(self) -> bool:
        return self.approval == GrowerApproval.APPROVED


class Product(db.Model):
    __tablename__ = "lgadmin_product"
    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    grower_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_grower_profile.id"))
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(40), default="each")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    quantity_available: Mapped[int | None]

    grower: Mapped[GrowerProfile] = relationship(back_populates="products")

    __table_args__ = (Index("ix_lgadmin_product_market_grower", "market_id", "grower_id"),)

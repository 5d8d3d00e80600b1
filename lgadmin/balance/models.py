import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class LedgerKind(enum.StrEnum):
    ADJUSTMENT = "adjustment"  # a manager's correction, credit or fee
    PREPAYMENT = "prepayment"  # money received from the customer (cash, check, card top-up)
    ORDER = "order"  # an order charged to the balance
    REFUND = "refund"


class LedgerEntry(db.Model):
    """One change of an account's balance; the balance is the sum of these."""

    __tablename__ = "lgadmin_ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"))
    kind: Mapped[LedgerKind] = mapped_column(enum_column(LedgerKind))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    balance_after_cents: Mapped[int] = mapped_column(BigInteger)
    reason_code: Mapped[str] = mapped_column(String(40), default="")
    reason_text: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_orders.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    allocations: Mapped[list["LedgerAllocation"]] = relationship(back_populates="entry")
    created_by = relationship("Account", foreign_keys=[created_by_id])

    __table_args__ = (Index("ix_lgadmin_ledger_entry_account_created", "account_id", "created_at"),)


class LedgerAllocation(db.Model):
    """The part of a ledger entry that paid an open order."""

    __tablename__ = "lgadmin_ledger_allocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_ledger_entry.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_orders.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[LedgerEntry] = relationship(back_populates="allocations")

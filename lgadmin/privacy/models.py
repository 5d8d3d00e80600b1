import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class DataRequestKind(enum.StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"

    @property
    def label(self) -> str:
        return {"export": "A copy of their data", "erasure": "Erasure of their account"}[self.value]


class DataRequest(db.Model):
    """A shopper's request for a copy of their data or for erasure, until a manager handles it."""

    __tablename__ = "lgadmin_data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    kind: Mapped[DataRequestKind] = mapped_column(enum_column(DataRequestKind))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    # "exported", "erased" or "refused: <why>"; empty while open.
    outcome: Mapped[str] = mapped_column(String(300), default="")

    account = relationship("Account", foreign_keys=[account_id])
    handled_by = relationship("Account", foreign_keys=[handled_by_id])

    __table_args__ = (
        # One open request of each kind per account: a second press finds the first.
        Index(
            "uq_lgadmin_data_request_open",
            "account_id",
            "kind",
            unique=True,
            sqlite_where=text("handled_at IS NULL"),
            postgresql_where=text("handled_at IS NULL"),
        ),
    )

    @property
    def is_open(self) -> bool:
        return self.handled_at is None

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Account
from ..extensions import db
from ..timeutil import utcnow


class Segment(db.Model):
    """A manager's named group of customers, kept as criteria and evaluated when used."""

    __tablename__ = "lgadmin_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # The criteria as the form's field names and raw values (see segments.criteria).
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[Account | None] = relationship()

    __table_args__ = (Index("ix_lgadmin_segment_market_name", "market_id", "name"),)

    def __str__(self) -> str:
        return self.name

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class AuditEntry(db.Model):
    """Something a manager or superuser did, kept for the market."""

    __tablename__ = "lgadmin_audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_market.id"))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("Account", foreign_keys=[actor_id])

    __table_args__ = (
        Index("ix_lgadmin_audit_entry_market_created", "market_id", "created_at"),
        # A customer's timeline reads the rows about one account, newest first.
        Index("ix_lgadmin_audit_entry_target_created", "target_type", "target_id", "created_at"),
    )

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class AccountMerge(db.Model):
    """A duplicate account merged into another: the pointer from the emptied account to the kept.

    The merged account stays (anonymised, inactive) so that rows left pointing
    at it (audit, act-as log, what it created) still resolve.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("market.id"))
    merged_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    kept_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_account_merge_kept", "kept_account_id"),)

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Account
from ..extensions import db, enum_column
from ..timeutil import utcnow


class RecipientStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"


class Campaign(db.Model):
    """One email sent to a segment: what, by whom, when, to how many."""

    __tablename__ = "lgadmin_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_segment.id", ondelete="SET NULL")
    )
    # The segment as it was when sent: a segment changed or deleted later does not rewrite history.
    segment_name: Mapped[str] = mapped_column(String(120))
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    recipient_count: Mapped[int] = mapped_column(default=0)

    sent_by: Mapped[Account | None] = relationship(foreign_keys=[sent_by_id])

    __table_args__ = (Index("ix_lgadmin_campaign_market_created", "market_id", "created_at"),)


class CampaignRecipient(db.Model):
    """Who a campaign was for, and whether (and when) it went out."""

    __tablename__ = "lgadmin_campaign_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_campaign.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[RecipientStatus] = mapped_column(
        enum_column(RecipientStatus), default=RecipientStatus.QUEUED
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None]

    account: Mapped[Account | None] = relationship()

    __table_args__ = (
        Index("ix_lgadmin_campaign_recipient_campaign_status", "campaign_id", "status"),
    )

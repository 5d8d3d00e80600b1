import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class MailEventKind(enum.StrEnum):
    HARD_BOUNCE = "hard_bounce"
    SPAM_COMPLAINT = "spam_complaint"
    UNSUBSCRIBE = "unsubscribe"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "hard_bounce": "Hard bounce",
            "spam_complaint": "Spam complaint",
            "unsubscribe": "Unsubscribe",
            "other": "Other",
        }[self.value]


class MailEvent(db.Model):
    """A delivery report as received, stored before it is acted on."""

    __tablename__ = "lgadmin_mail_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    provider_event_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[MailEventKind] = mapped_column(enum_column(MailEventKind))
    email: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    market_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    occurred_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    # Why the report changed no account (not understood, nothing to change, no account of
    # this market has the address); None when applied or still waiting.
    not_applied_because: Mapped[str | None] = mapped_column(String(300))
    raw: Mapped[str] = mapped_column(Text)

    account: Mapped["Account | None"] = relationship()  # noqa: F821
    market: Mapped["Market | None"] = relationship()  # noqa: F821

    __table_args__ = (
        UniqueConstraint("provider", "provider_event_id"),
        Index("ix_lgadmin_mail_event_market_received", "market_id", "received_at"),
        # The customer's timeline finds an account's events by account or by address.
        Index("ix_lgadmin_mail_event_account", "account_id"),
        Index("ix_lgadmin_mail_event_email", "email"),
    )


class WebhookToken(db.Model):
    """A signed webhook token already accepted (Mailgun), so a captured one can't be replayed.

    Kept as long as the events it brought: a signature is accepted whatever its age, so a
    forgotten token could be replayed with other event-data.
    """

    __tablename__ = "lgadmin_webhook_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("provider", "token"),)


class MailSend(db.Model):
    """One message sent for an account of a market: the denominator of the bounce rate."""

    __tablename__ = "lgadmin_mail_send"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id", ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_lgadmin_mail_send_market_sent", "market_id", "sent_at"),)

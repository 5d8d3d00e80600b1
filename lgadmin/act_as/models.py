from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

# How a session ended (end_reason), as the act-as log says it.
END_REASONS = {
    "ended": "Ended by the manager",
    "signed_out": "Manager signed out",
    "expired": "Time limit reached",
    "idle": "Idle too long",
}


class ActAsSession(db.Model):
    """A manager in a shopper's seat, from start to end."""

    __tablename__ = "lgadmin_act_as_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"))
    shopper_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"))
    reason: Mapped[str] = mapped_column(String(250), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # ended, signed_out, expired or idle (END_REASONS)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    manager = relationship("Account", foreign_keys=[manager_id])
    shopper = relationship("Account", foreign_keys=[shopper_id])
    actions: Mapped[list["ActAsAction"]] = relationship(order_by="ActAsAction.at")

    @property
    def how_it_ended(self) -> str:
        return END_REASONS.get(self.end_reason, self.end_reason or "")

    __table_args__ = (
        Index("ix_lgadmin_act_as_session_market_started", "market_id", "started_at"),
        # The customer's timeline lists the sessions in one shopper's account.
        Index("ix_lgadmin_act_as_session_shopper_started", "shopper_id", "started_at"),
    )


class ActAsAction(db.Model):
    """A state-changing request made during an act-as session."""

    __tablename__ = "lgadmin_act_as_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_act_as_session.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(500), default="")

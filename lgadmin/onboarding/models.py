import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class TokenPurpose(enum.StrEnum):
    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"
    SIGN_IN_LINK = "sign_in_link"
    VERIFY_EMAIL = "verify_email"


class Token(db.Model):
    """A single-use link; only its SHA-256 is stored."""

    __tablename__ = "lgadmin_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_lgadmin_token_account_purpose", "account_id", "purpose"),)


class InvitationBatch(db.Model):
    """One press of "Send Invitations": its summary, and the form's one-time key.

    The key is unique per market, so a second submission of the same form (a
    double-click, a resent POST) finds this batch instead of sending again.
    """

    __tablename__ = "lgadmin_invitation_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    submission_key: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # {"sent": [emails], "already_have_account": [emails], "not_email": [entries]}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("market_id", "submission_key"),)


class Invitation(db.Model):
    __tablename__ = "lgadmin_invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text, default="")
    # Replaced by the job that mails the link, so the raw token only ever exists there.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_invitation_batch.id", ondelete="SET NULL")
    )
    sent_at: Mapped[datetime | None]

    invited_by = relationship("Account", foreign_keys=[invited_by_id])

    __table_args__ = (Index("ix_lgadmin_invitation_market_email", "market_id", "email"),)


class ImportStatus(enum.StrEnum):
    PREVIEW = "preview"
    IMPORTED = "imported"


class ImportPreview(db.Model):
    """A checked CSV upload, kept in the database until the manager imports it.

    Any web process can carry out the import; the status moves from preview to
    imported once, in the import's own transaction.
    """

    __tablename__ = "lgadmin_import_preview"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), default=ImportStatus.PREVIEW
    )
    # One dict per data row: its row number, cleaned values and problems (none = Ready).
    rows: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[list] = mapped_column(JSON, default=list)
    imported_at: Mapped[datetime | None]
    imported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    # What the import did: {"created": [...], "skipped": [...]}
    result: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_lgadmin_import_preview_market_created", "market_id", "created_at"),)

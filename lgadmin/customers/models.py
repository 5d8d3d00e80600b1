"""The customer screen's own records: exports too large for one page (run as a job, written
to a file kept for a while) and a market's kept figures."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db, enum_column
from ..timeutil import utcnow


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            "queued": "Waiting to start",
            "running": "Writing the file",
            "done": "Ready to download",
            "failed": "Failed",
            "expired": "Expired",
        }[self.value]


UNFINISHED = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class CustomerExport(db.Model):
    """One export job of the customer grid, a segment or selected rows, and its file.

    The file is written under a temporary name and renamed when complete, so a file on disk
    under `stored_name` is always whole; `row_count` is the rows it holds.
    """

    __tablename__ = "lgadmin_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    # "grid" (the grid's view or a segment) or "selected" (Export selected)
    kind: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    what: Mapped[str] = mapped_column(String(300))  # "the customer grid", segment “Regulars”
    filename: Mapped[str] = mapped_column(String(200))  # the name the download is given
    # What selects the rows: search, toggles, criteria, sort, or the ids (see export_jobs).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Same request, same fingerprint: a second press while one runs finds the first.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[ExportStatus] = mapped_column(
        enum_column(ExportStatus), default=ExportStatus.QUEUED
    )
    total_rows: Mapped[int | None]  # counted when the job starts, for the progress bar
    row_count: Mapped[int] = mapped_column(default=0)  # rows written so far / in the file
    error: Mapped[str] = mapped_column(String(500), default="")
    stored_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The job's heartbeat: a running export not updated for a while has lost its worker.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    requested_by = relationship("Account")

    __table_args__ = (
        # One unfinished export per person and request: the second press gets the first.
        Index(
            "uq_lgadmin_export_unfinished",
            "requested_by_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.row_count * 100 // self.total_rows)


class MarketFigures(db.Model):
    """A market's metrics cards, weekly chart and dashboard figures, as last computed.

    Counting a big market's customers takes longer than a page may (issue 23): the pages
    read this row, and a job recomputes it (lgadmin.customers.figures)."""

    __tablename__ = "lgadmin_market_figures"
    market_id: Mapped[int] = mapped_column(
        ForeignKey("lgadmin_market.id", ondelete="CASCADE"), primary_key=True
    )
    # None until the first computation lands ("being computed").
    computed_at: Mapped[datetime | None] = mapped_column(default=None)
    payload: Mapped[dict | None] = mapped_column(JSON, default=None)
    # When a recomputation was queued and has not landed yet: one pending job per market.
    refresh_requested_at: Mapped[datetime | None] = mapped_column(default=None)

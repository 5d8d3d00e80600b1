from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


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

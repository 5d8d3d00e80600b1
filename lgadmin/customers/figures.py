"""A market's figures (the grid's metrics cards and weekly chart, the dashboard's cards), kept.

Counted on each request, they cost time in proportion to the market (issue 23: 562 ms at a
million customers). A market of fewer than LGADMIN_FIGURES_LIVE_BELOW customers is still
counted on each request: a few milliseconds, and always current. A bigger one reads its row of
lgadmin_market_figures, which a job recomputes (in the queue, or inline without Redis): the
request that finds it missing or older than LGADMIN_FIGURES_MAX_AGE_SECONDS shows what there
is with its age and queues one recomputation; a manager may queue one too (Refresh). At most
one recomputation per market is pending: the row's refresh_requested_at is claimed by one
conditional UPDATE, so a hundred requests on stale figures queue one job, not a hundred.
"""

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..extensions import db
from ..jobs import enqueue
from ..markets.models import Market
from ..tenancy import in_market, select_in_market
from ..timeutil import utcnow
from .metrics import (
    CustomerMetrics,
    WeeklyActivity,
    customer_metrics,
    market_status,
    weekly_activity,
)
from .models import MarketFigures

# A queued recomputation that has not landed by then (a lost job, a worker down) no longer
# stops the next request from queueing another.
PENDING_REFRESH_EXPIRES = timedelta(minutes=10)


@dataclass
class Figures:
    """What the pages show. `cards` is None while a big market's first figures are computed."""

    cards: CustomerMetrics | None
    weekly: WeeklyActivity | None
    status: dict | None
    # When they were counted; None when counted for this very request (a small market).
    computed_at: datetime | None = None
    age_seconds: int = 0
    refreshing: bool = False

    @property
    def being_computed(self) -> bool:
        return self.cards is None

    @property
    def kept(self) -> bool:
        """Read from the kept row, so the page says how old they are."""
        return self.computed_at is not None or self.being_computed

    @property
    def age_words(self) -> str:
        return age_in_words(self.age_seconds)


def age_in_words(seconds: int) -> str:
    """ "just now", "2 minutes ago", "1 hour ago", "3 days ago"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def compute_figures(market: Market, now: datetime | None = None) -> dict:
    """Every figure of the market, counted now, as the JSON the row keeps."""
    now = now or utcnow()
    weekly = weekly_activity(market, now)
    return {
        "cards": asdict(customer_metrics(market, now)),
        "weekly": {
            "starts": [day.isoformat() for day in weekly.starts],
            "new": weekly.new,
            "active": weekly.active,
        },
        "status": market_status(market),
    }


def _from_payload(payload: dict) -> tuple[CustomerMetrics, WeeklyActivity, dict]:
    weekly = payload["weekly"]
    return (
        CustomerMetrics(**payload["cards"]),
        WeeklyActivity(
            [date.fromisoformat(day) for day in weekly["starts"]], weekly["new"], weekly["active"]
        ),
        payload["status"],
    )


def counted_live(market: Market) -> bool:
    """Whether the market is small enough to count on each request.

    Asks for its N-th account only, so the answer costs at most N index entries whatever the
    market's size."""
    below = current_app.config.get("LGADMIN_FIGURES_LIVE_BELOW", 0)
    if below <= 0:
        return False
    nth = select_in_market(Account, market, Account.id).offset(below - 1).limit(1)
    return db.session.scalar(nth) is None


def _kept_row(market: Market) -> MarketFigures | None:
    stmt = select_in_market(MarketFigures, market).execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def market_figures(market: Market, now: datetime | None = None) -> Figures:
    """The figures to show now: counted, or kept (queueing a recomputation when stale)."""
    now = now or utcnow()
    if counted_live(market):
        cards, weekly, status = _from_payload(compute_figures(market, now))
        return Figures(cards, weekly, status)
    row = _kept_row(market)
    max_age = timedelta(seconds=current_app.config.get("LGADMIN_FIGURES_MAX_AGE_SECONDS", 300))
    stale = row is None or row.computed_at is None or now - row.computed_at > max_age
    if stale and request_refresh(market, now):
        row = _kept_row(market)  # without a queue the job has run: show its figures
    if row is None or row.payload is None or row.computed_at is None:
        return Figures(None, None, None, refreshing=True)
    cards, weekly, status = _from_payload(row.payload)
    return Figures(
        cards,
        weekly,
        status,
        computed_at=row.computed_at,
        age_seconds=max(0, int((now - row.computed_at).total_seconds())),
        refreshing=row.refresh_requested_at is not None,
    )


def request_refresh(market: Market, now: datetime | None = None) -> bool:
    """Queue a recomputation of the market's figures, unless one is pending already.

    Returns whether this call queued it. The claim is committed before the job is queued, so
    a job run at once (inline, or by a quick worker) finds it and clears it."""
    now = now or utcnow()
    if not _claim_refresh(market, now):
        return False
    enqueue(refresh_figures, market.id)
    return True


def _claim_refresh(market: Market, now: datetime) -> bool:
    unclaimed = or_(
        MarketFigures.refresh_requested_at.is_(None),
        MarketFigures.refresh_requested_at < now - PENDING_REFRESH_EXPIRES,
    )
    claim = (
        in_market(update(MarketFigures), MarketFigures, market)
        .where(unclaimed)
        .values(refresh_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = db.session.execute(claim).rowcount == 1
    if not claimed and _kept_row(market) is None:
        # The market's first figures: the row itself is the claim (its key is the market).
        try:
            with db.session.begin_nested():
                db.session.add(MarketFigures(market_id=market.id, refresh_requested_at=now))
            claimed = True
        except IntegrityError:  # another request claimed it a moment ago
            claimed = False
    db.session.commit()
    return claimed


def refresh_figures(market_id: int) -> None:
    """The job: count the market's figures and keep them, clearing the pending claim."""
    market = db.session.get(Market, market_id)
    if market is None:
        return
    now = utcnow()
    payload = compute_figures(market, now)
    row = _kept_row(market)
    if row is None:
        row = MarketFigures(market_id=market.id)
        db.session.add(row)
    row.computed_at, row.payload, row.refresh_requested_at = now, payload, None
    db.session.commit()

"""The metrics cards above the grid (spec 002) and the weekly chart, for one market.

Definitions (the cards' tooltips quote them):
- Total Customers: every account of the market.
- Active This Month (spec 002's Active Customers, named for what it counts so it is not
  read as the dashboard's and the toggle's active accounts): ordered or signed in since
  the first of this month (market's time).
- Avg Customer Value: lifetime spend (orders, cancelled ones left out) per customer who
  ever ordered.
- Retention Rate: of the customers who ordered in the 90 days before the last 90, the share
  who ordered again in the last 90 days.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, cast, exists, func, or_, select

from ..accounts.models import Account
from ..extensions import db
from ..markets.models import Market
from ..orders.models import Order
from ..tenancy import of_market, select_in_market
from ..timeutil import market_midnight_utc, to_market_time, utcnow

RETENTION_DAYS = 90
WEEKS = 52

DEFINITIONS = {
    "total": "Every customer account of the market.",
    "active": "Customers who ordered or signed in since the first of this month.",
    "value": "Lifetime spend (cancelled orders left out) divided by the number of customers "
    "who ever ordered.",
    "retention": "Of the customers who ordered in the 90 days before the last 90 days, "
    "the share who ordered again in the last 90 days.",
}


@dataclass
class CustomerMetrics:
    total: int
    active: int
    ever_ordered: int
    lifetime_spent_cents: int
    retention_base: int
    retained: int

    @property
    def avg_customer_value_cents(self) -> int:
        """Rounded half up to the cent; 0 when nobody ordered yet."""
        if not self.ever_ordered:
            return 0
        return (2 * self.lifetime_spent_cents + self.ever_ordered) // (2 * self.ever_ordered)

    @property
    def retention_percent(self) -> int | None:
        """Whole percent, or None when nobody ordered in the earlier window."""
        if not self.retention_base:
            return None
        return (200 * self.retained + self.retention_base) // (2 * self.retention_base)


@dataclass
class WeeklyActivity:
    starts: list[date]  # the first day of each week, oldest first
    new: list[int]
    active: list[int]


def month_start_utc(market: Market, now: datetime) -> datetime:
    """Midnight of the first of this month in the market's timezone, as naive UTC."""
    return market_midnight_utc(to_market_time(now, market).date().replace(day=1), market)


def customer_metrics(market: Market, now: datetime | None = None) -> CustomerMetrics:
    """The four cards, in two aggregate statements over the denormalised order columns."""
    now = now or utcnow()
    since = month_start_utc(market, now)
    ordered = Account.order_count > 0
    totals = db.session.execute(
        select(
            func.count(),
            func.count(
                case((or_(Account.last_order_at >= since, Account.last_sign_in_at >= since), 1))
            ),
            func.count(case((ordered, 1))),
            func.coalesce(func.sum(case((ordered, Account.total_spent_cents), else_=0)), 0),
        ).where(of_market(Account, market))
    ).one()
    recent = now - timedelta(days=RETENTION_DAYS)
    earlier = recent - timedelta(days=RETENTION_DAYS)
    ordered_earlier = exists().where(
        Order.account_id == Account.id,
        Order.cancelled_at.is_(None),
        Order.placed_at >= earlier,
        Order.placed_at < recent,
    )
    # last_order_at is the latest live order, so "ordered again" is just its date.
    retention = db.session.execute(
        select(func.count(), func.count(case((Account.last_order_at >= recent, 1)))).where(
            of_market(Account, market), Account.last_order_at >= earlier, ordered_earlier
        )
    ).one()
    return CustomerMetrics(
        total=totals[0],
        active=totals[1],
        ever_ordered=totals[2],
        lifetime_spent_cents=int(totals[3]),
        retention_base=retention[0],
        retained=retention[1],
    )


def market_status(market: Market) -> dict:
    """The dashboard's cards: accounts (all, active, owing) and the open orders still owed."""
    customers = (
        select(
            func.count().label("total"),
            func.count().filter(Account.active.is_(True)).label("active"),
            func.count().filter(Account.balance_cents < 0).label("negative"),
        )
        .select_from(Account)
        .where(of_market(Account, market))
    )
    total, active, negative = db.session.execute(customers).one()
    orders = select_in_market(
        Order, market, func.count(), func.coalesce(func.sum(Order.amount_due_cents), 0)
    ).where(Order.amount_due_cents > 0, Order.cancelled_at.is_(None))
    open_orders, owed_cents = db.session.execute(orders).one()
    return {
        "customers": total,
        "active_shoppers": active,
        "negative_balances": negative,
        "open_orders": open_orders,
        "owed_cents": int(owed_cents),
    }


def weekly_activity(market: Market, now: datetime | None = None) -> WeeklyActivity:
    """New customers (joined) and active customers (placed an order) per week, last 52 weeks.

    Each series is one GROUP BY over the week number, so the database returns at most 52 rows.
    """
    now = now or utcnow()
    first_day = to_market_time(now, market).date() + timedelta(days=1) - timedelta(weeks=WEEKS)
    start = market_midnight_utc(first_day, market)
    new_week = _week_number(Account.joined_at, start)
    new = dict(
        db.session.execute(
            select(new_week, func.count())
            .where(of_market(Account, market), Account.joined_at >= start)
            .group_by(new_week)
        ).all()
    )
    order_week = _week_number(Order.placed_at, start)
    active = dict(
        db.session.execute(
            select(order_week, func.count(func.distinct(Order.account_id)))
            .where(
                of_market(Order, market),
                Order.cancelled_at.is_(None),
                Order.placed_at >= start,
            )
            .group_by(order_week)
        ).all()
    )
    weeks = range(WEEKS)
    return WeeklyActivity(
        [first_day + timedelta(weeks=n) for n in weeks],
        [int(new.get(n, 0)) for n in weeks],
        [int(active.get(n, 0)) for n in weeks],
    )


def _week_number(column, start: datetime):
    """Whole weeks from `start` to `column`, in the SQL of the database in use."""
    if db.engine.dialect.name == "postgresql":
        seconds = func.extract("epoch", column - start)
        return cast(func.floor(seconds / (7 * 86400)), Integer)
    return cast((func.julianday(column) - func.julianday(start)) / 7, Integer)

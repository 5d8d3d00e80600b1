"""Market-wide figures and look-ups."""

from flask import abort
from sqlalchemy import func, select

from ..accounts.models import Account
from ..extensions import db
from ..orders.models import Order
from ..tenancy import of_market, select_in_market
from .models import Market


def market_or_404(slug: str) -> Market:
    """The market a shopper-facing URL names; an unknown slug is a 404."""
    market = db.session.scalars(select(Market).where(Market.slug == slug)).first()
    if market is None:
        abort(404)
    return market


def all_markets() -> list[Market]:
    return list(db.session.scalars(select(Market).order_by(Market.name)))


def shoppers_of(market: Market):
    """Accounts of `market` that shop there (everyone but superusers)."""
    return select_in_market(Account, market)


def dashboard_figures(market: Market) -> dict:
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

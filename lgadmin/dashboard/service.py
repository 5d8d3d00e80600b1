"""The dashboard's figures for one market."""

from sqlalchemy import func, select

from ..accounts.models import Account
from ..extensions import db
from ..markets.models import Market
from ..orders.models import Order


def dashboard_figures(market: Market) -> dict:
    customers = (
        select(
            func.count().label("total"),
            func.count().filter(Account.active.is_(True)).label("active"),
            func.count().filter(Account.balance_cents < 0).label("negative"),
        )
        .select_from(Account)
        .where(Account.market_id == market.id)
    )
    total, active, negative = db.session.execute(customers).one()
    orders = select(func.count(), func.coalesce(func.sum(Order.amount_due_cents), 0)).where(
        Order.market_id == market.id, Order.amount_due_cents > 0, Order.cancelled_at.is_(None)
    )
    open_orders, owed_cents = db.session.execute(orders).one()
    return {
        "customers": total,
        "active_shoppers": active,
        "negative_balances": negative,
        "open_orders": open_orders,
        "owed_cents": int(owed_cents),
    }

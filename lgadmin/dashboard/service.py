"""The dashboard's figures for one market."""

from sqlalchemy import func, select

from ..accounts.models import Account
from ..extensions import db
from ..markets.models import Market
from ..orders.models import Order
from ..tenancy import of_market, select_in_market


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

"""An account's order counters (spec 003): placing an order and recounting keep Total Orders,
Total Spent and Last Order right. The grid's columns: customers/test_order_columns.py."""

from lgadmin.extensions import db
from lgadmin.orders.service import recount_orders
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory
from tests.insight import order


def test_placing_an_order_updates_total_orders_total_spent_and_last_order(market):
    shopper = AccountFactory(market=market)
    order(shopper, 1250, days_ago=10)
    latest = order(shopper, 800, days_ago=2)
    order(shopper, 300, days_ago=30)  # an older order placed later does not move Last Order
    db.session.refresh(shopper)
    assert (shopper.order_count, shopper.total_spent_cents) == (3, 2350)
    assert shopper.last_order_at == latest.placed_at


def test_recount_leaves_cancelled_orders_out(market):
    shopper = AccountFactory(market=market)
    order(shopper, 1000, days_ago=5)
    cancelled = order(shopper, 500, days_ago=1)
    cancelled.cancelled_at = utcnow()
    recount_orders([shopper.id])
    db.session.commit()
    db.session.refresh(shopper)
    assert (shopper.order_count, shopper.total_spent_cents) == (1, 1000)

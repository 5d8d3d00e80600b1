"""Hand-made order histories for the insight tests (metrics, order columns, segments)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from lgadmin.catalog.models import Product
from lgadmin.extensions import db
from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.timeutil import utcnow
from tests.factories import ProductFactory


def dollar_product(market):
    """A product at $1.00 a unit, so a quantity of 12.5 is an order of $12.50."""
    product = db.session.scalars(
        select(Product).where(Product.market_id == market.id, Product.name == "Anything")
    ).first()
    return product or ProductFactory(
        grower__account__market=market,
        grower__account__email=f"grower@{market.slug}.example.org",
        price_cents=100,
        name="Anything",
        unit="unit",
    )


def order(account, cents: int, days_ago: float = 1, now=None):
    """Place an order of `cents` for `account`, `days_ago` days before now, and commit."""
    at = (now or utcnow()) - timedelta(days=days_ago)
    placed = place_order(
        account,
        [(dollar_product(account.market), Decimal(cents) / 100)],
        PaymentChoice.CARD,
        at=at,
    )
    db.session.commit()
    return placed

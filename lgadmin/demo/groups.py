"""The demo's customer groups: restaurants and volunteers, each with its discount."""

from decimal import Decimal

from ..extensions import db
from ..groups.models import CustomerGroup


def customer_groups(market) -> list[CustomerGroup]:
    groups = [
        CustomerGroup(market_id=market.id, name="Restaurants", discount_percent=Decimal(10)),
        CustomerGroup(market_id=market.id, name="Volunteers", discount_percent=Decimal("5")),
    ]
    db.session.add_all(groups)
    db.session.flush()
    return groups

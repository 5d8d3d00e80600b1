"""The demo's data requests: so the Data requests screen has work."""

from datetime import timedelta

from ..extensions import db
from ..privacy.models import DataRequest, DataRequestKind
from ..timeutil import utcnow


def data_requests(market, customers, rng) -> None:
    """Two shoppers who asked for a copy of their data."""
    for customer in rng.sample([c for c in customers if c.active], 2):
        db.session.add(
            DataRequest(
                market_id=market.id,
                account_id=customer.id,
                kind=DataRequestKind.EXPORT,
                requested_at=utcnow() - timedelta(days=rng.randint(1, 9)),
            )
        )

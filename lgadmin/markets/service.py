"""Market-wide figures and look-ups."""

from sqlalchemy import select

from ..extensions import db
from ..tenancy import NotInMarket
from .models import Market


def market_by_slug(slug: str) -> Market:
    """The market a shopper-facing URL names. An unknown slug raises NotInMarket, which the
    plug-in answers with the 404 page, as for any row that isn't in the market."""
    market = db.session.scalars(select(Market).where(Market.slug == slug)).first()
    if market is None:
        raise NotInMarket(f"no market {slug!r}")
    return market


def all_markets() -> list[Market]:
    return list(db.session.scalars(select(Market).order_by(Market.name)))

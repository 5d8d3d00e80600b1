"""Market-wide figures and look-ups."""

from flask import abort
from sqlalchemy import select

from ..extensions import db
from .models import Market


def market_or_404(slug: str) -> Market:
    """The market a shopper-facing URL names; an unknown slug is a 404."""
    market = db.session.scalars(select(Market).where(Market.slug == slug)).first()
    if market is None:
        abort(404)
    return market


def all_markets() -> list[Market]:
    return list(db.session.scalars(select(Market).order_by(Market.name)))

"""The current market, and the filter every market query goes through.

A manager's market is their account's. A superuser has none of their own and
picks one with the navbar switcher; the choice is kept in the session.
"""

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .markets.models import Market

SESSION_KEY = "lgadmin_market_id"


def current_market() -> Market | None:
    if "lgadmin_market" not in g:
        g.lgadmin_market = _resolve_market()
    return g.lgadmin_market


def _resolve_market() -> Market | None:
    if not current_user.is_authenticated:
        return None
    if not current_user.is_superuser:
        return current_user.market
    chosen = session.get(SESSION_KEY)
    market = db.session.get(Market, chosen) if chosen else None
    if market is None:
        market = db.session.scalars(select(Market).order_by(Market.name).limit(1)).first()
    return market


def require_market() -> Market:
    market = current_market()
    if market is None:
        abort(404)
    return market


def switch_market(market_id: int) -> Market | None:
    """A superuser's choice of market; None when there is no such market."""
    market = db.session.get(Market, market_id)
    if market is not None:
        session[SESSION_KEY] = market.id
        g.pop("lgadmin_market", None)
    return market


def in_market(stmt, model, market: Market):
    """`stmt` restricted to the rows of `market`."""
    return stmt.where(model.market_id == market.id)

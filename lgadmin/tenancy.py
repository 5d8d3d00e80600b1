"""The current market, and the filter every market query goes through.

A manager's market is their account's. A superuser has none of their own and
picks one with the navbar switcher; the choice is kept in the session.
"""

from flask import abort, g, session
from sqlalchemy import Select, select

from .extensions import db
from .identity import current_account
from .markets.models import Market
from .urls import MAX_ID, parse_id

SESSION_KEY = "lgadmin_market_id"


def current_market() -> Market | None:
    if "lgadmin_market" not in g:
        g.lgadmin_market = _resolve_market()
    return g.lgadmin_market


def _resolve_market() -> Market | None:
    if not current_account.is_authenticated:
        return None
    if not current_account.is_superuser:
        return current_account.market
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


class NotInMarket(LookupError):
    """No row of that id in this market (or none at all: the two are never told apart)."""


def _market_id(market):
    """Every helper below takes the market as a Market or as its id (a loaded row's
    `market_id`), so a service holding only a row needn't load the market."""
    return market.id if isinstance(market, Market) else market


def of_market(model, market):
    """The SQL condition "this row of `model` belongs to `market`".

    `market` is a Market, its id, or a column holding one (another table's `market_id`,
    for "in the same market as that row" inside a join or a correlated subquery). For the
    few places a bare condition is needed (inside `or_`, `and_`, a join's ON); everywhere
    else `in_market` or `select_in_market` says it for you.
    """
    return model.market_id == _market_id(market)


def in_market(stmt, model, market):
    """`stmt` restricted to the rows of `model` that belong to `market`.

    Any statement with `where` will do: a select, an update, a delete, or Flask-Admin's
    ORM query.
    """
    return stmt.where(of_market(model, market))


def belongs_to(record, market: Market | int | None) -> bool:
    """Whether a loaded row (an account, a group...) is of `market`; never for None."""
    if record is None or market is None:
        return False
    return record.market_id == _market_id(market)


def select_in_market(model, market: Market | int, *columns) -> Select:
    """`select(model)` (or of `columns`) over the rows of `market` only: every list starts here."""
    return in_market(select(*columns) if columns else select(model), model, market)


def find_in_market(model, record_id, market: Market | int):
    """The row of `model` with `record_id` when it belongs to `market`, else None.

    An id that isn't a whole number in the database's range finds nothing, like another
    market's id, so a forged or overlong id can't tell one market's rows from another's.
    """
    record_id = record_id if isinstance(record_id, int) else parse_id(record_id)
    if record_id is None or not 0 < record_id <= MAX_ID:
        return None
    record = db.session.get(model, record_id)
    return record if belongs_to(record, market) else None


def get_in_market(model, record_id, market: Market | int):
    """`find_in_market`, raising NotInMarket: services use it where the row must exist.

    Views turn NotInMarket into a 404 (registered once, in the plug-in), so a manager who
    types another market's id learns nothing, and no service calls `abort`.
    """
    record = find_in_market(model, record_id, market)
    if record is None:
        raise NotInMarket(f"no {model.__name__} {record_id} in this market")
    return record

"""Storing delivery reports as received: committed, de-duplicated, before anything else.

This is the webhook's hot path (300+ requests a second), so its two INSERTs are built once
per database dialect and executed with bound values.
"""

from functools import cache

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..extensions import db
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from .models import MailEvent, WebhookToken
from .providers import ReportedEvent


class TokenReplayed(Exception):
    """A signed webhook token was already used: a redelivery, or a replay; nothing is stored."""


def store_reported_events(
    provider: str, events: list[ReportedEvent], *, token: str | None = None
) -> list[int]:
    """Commit the events not stored before (and the webhook's token); the new events' ids.

    A duplicate, even one arriving at the same moment from another process, is skipped
    by the unique (provider, provider_event_id) rather than failing.
    """
    try:
        if token is not None:
            seen = {"provider": provider, "token": token[:200], "seen_at": utcnow()}
            if _insert_new(_statements()[0], seen) is None:
                raise TokenReplayed(token)
        new_ids = []
        for event in events:
            new_id = _insert_new(_statements()[1], _event_values(provider, event))
            if new_id is not None:
                new_ids.append(new_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return new_ids


def _event_values(provider: str, event: ReportedEvent) -> dict:
    return {
        "provider": provider,
        "provider_event_id": _storable(event.provider_event_id),
        "kind": event.kind.value,
        "email": _storable(event.email),
        "reason": _storable(event.reason),
        "meta_market": event.market_id,
        "meta_account": event.account_id,
        "occurred_at": event.occurred_at,
        "received_at": utcnow(),
        "not_applied_because": _storable(event.not_applied_because)[:300] or None,
        "raw": event.raw,  # JSON text: a NUL in it is escaped as \u0000
    }


def _storable(text: str) -> str:
    """Without NUL characters, which PostgreSQL can't keep in a text column."""
    return text.replace("\x00", "")


def _insert_new(statement, values: dict) -> int | None:
    """The new row's id, or None when the unique constraint says it is a duplicate."""
    if db.session.get_bind().dialect.name in ("postgresql", "sqlite"):
        return db.session.execute(statement, values).scalar_one_or_none()
    try:
        with db.session.begin_nested():
            return db.session.execute(statement, values).scalar()
    except IntegrityError:
        return None


def _statements():
    return _statements_for(db.session.get_bind().dialect.name)


@cache
def _statements_for(dialect: str):
    """(token insert, event insert): INSERT ... ON CONFLICT DO NOTHING RETURNING id."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        dialect_insert = insert
    tokens, events = WebhookToken.__table__, MailEvent.__table__
    market_id, account_id = _known_ids()
    statements = []
    for table, values in (
        (tokens, {c: bindparam(c) for c in ("provider", "token", "seen_at")}),
        (
            events,
            {
                **{
                    c: bindparam(c, type_=events.c[c].type)
                    for c in (
                        "provider",
                        "provider_event_id",
                        "kind",
                        "email",
                        "reason",
                        "occurred_at",
                        "received_at",
                        "not_applied_because",
                        "raw",
                    )
                },
                "market_id": market_id,
                "account_id": account_id,
            },
        ),
    ):
        statement = dialect_insert(table).values(values)
        if dialect in ("postgresql", "sqlite"):
            statement = statement.on_conflict_do_nothing()
        statements.append(statement.returning(table.c.id))
    return tuple(statements)


def _known_ids():
    """The metadata's market and account when they exist and belong together, as SQL
    evaluated inside the INSERT (no round trip of its own).

    Metadata comes back from the provider as sent, but the account may have been deleted
    since; an id that no longer exists is dropped rather than refused.
    """
    accounts, markets = Account.__table__, Market.__table__
    meta_market = bindparam("meta_market", type_=accounts.c.market_id.type)
    meta_account = bindparam("meta_account", type_=accounts.c.id.type)
    # The account of that id in the metadata's market (in any market when none was sent).
    owner = (accounts.c.id == meta_account) & of_market(
        accounts.c, func.coalesce(meta_market, accounts.c.market_id)
    )
    market_known = select(markets.c.id).where(markets.c.id == meta_market).scalar_subquery()
    owner_market = select(accounts.c.market_id).where(owner).scalar_subquery()
    owner_id = select(accounts.c.id).where(owner).scalar_subquery()
    return func.coalesce(owner_market, market_known), owner_id

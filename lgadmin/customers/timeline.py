"""A customer's timeline: everything that happened to the account, newest first.

Read with one UNION ALL over the tables that already record each event (the
audit log, the ledger, orders, card charges, mail events, act-as sessions,
invitations, emailed links and the account row itself), so it can't drift
from them; then one more statement for the names of the people involved.
Each branch is cut to the rows the page can need before the union, so a page
stays cheap however long the history.
"""

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    Text,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)

from ..accounts.models import Account
from ..act_as.models import ActAsSession
from ..audit.models import AuditEntry
from ..balance.models import LedgerEntry, LedgerKind
from ..deliverability.models import MailEvent, MailEventKind
from ..extensions import db
from ..markets.models import Market
from ..onboarding.models import Invitation, Token
from ..orders.models import Order
from ..payments.models import CardCharge
from ..tenancy import belongs_to, of_market
from .timeline_text import TimelineEntry, describe

PER_PAGE = 50
# Deep pages cost an offset per branch; nobody reads 2,000 pages of one customer.
MAX_PAGE = 2000

GROUPS = {
    "": "All",
    "orders": "Orders",
    "balance": "Balance",
    "mail": "Mail",
    "sign_ins": "Sign-ins",
    "changes": "Changes",
}

# Audit actions whose own table says more (amounts, durations, who invited): listed from
# there, so the same event isn't listed twice.
LISTED_FROM_THEIR_TABLE = (
    "account.create",
    "balance.adjusted",
    "act_as.started",
    "act_as.ended",
    "guest.invited",
    "mail.hard_bounce",
    "mail.spam_complaint",
    "mail.unsubscribe",
)
SIGN_IN_ACTIONS = ("auth.signed_in", "account.password_set", "account.reset_link_sent")


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    per_page: int
    group: str
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.page > 1


def _row(occurred_at, kind: str, source_id, **columns) -> list:
    """The union's columns, each typed so SQLite and PostgreSQL agree on it."""
    types = {
        "action": String(60),
        "actor_id": Integer(),
        "amount_cents": BigInteger(),
        "ref_id": Integer(),
        "text": String(500),
        "detail": Text(),
        "until": DateTime(),
    }
    return [
        _typed(occurred_at, DateTime()).label("occurred_at"),
        cast(literal(kind), String(20)).label("kind"),
        cast(source_id, Integer()).label("source_id"),
        *(_typed(columns.get(name), type_).label(name) for name, type_ in types.items()),
    ]


def _typed(expression, type_):
    """CAST, except of a time: SQLite's CAST(... AS DATETIME) turns '2026-11-24 ...' into 2026."""
    if expression is None:
        return cast(null(), type_)
    if isinstance(type_, DateTime):
        return type_coerce(expression, type_)
    return cast(expression, type_)


def _audit(market: Market, account: Account, group: str):
    action = AuditEntry.action
    where = [
        of_market(AuditEntry, market),
        AuditEntry.target_type == "account",
        AuditEntry.target_id == account.id,
        action.not_in(LISTED_FROM_THEIR_TABLE),
    ]
    if group == "sign_ins":
        where.append(action.in_(SIGN_IN_ACTIONS))
    elif group == "mail":
        where.append(action.like("mail.%"))
    elif group == "changes":
        where += [action.not_in(SIGN_IN_ACTIONS), action.not_like("mail.%")]
    return select(
        *_row(
            AuditEntry.created_at,
            "audit",
            AuditEntry.id,
            action=action,
            actor_id=AuditEntry.actor_id,
            text=AuditEntry.summary,
            detail=AuditEntry.details,
        )
    ).where(*where), (AuditEntry.created_at, AuditEntry.id)


def _created(market: Market, account: Account, group: str):
    return select(
        *_row(Account.joined_at, "created", Account.id, actor_id=Account.created_by_id)
    ).where(Account.id == account.id, of_market(Account, market)), (
        Account.joined_at,
        Account.id,
    )


def _invitations(market: Market, account: Account, group: str):
    at = func.coalesce(Invitation.sent_at, Invitation.created_at)
    return select(
        *_row(
            at,
            "invitation",
            Invitation.id,
            actor_id=Invitation.invited_by_id,
            until=Invitation.accepted_at,
        )
    ).where(
        of_market(Invitation, market),
        or_(Invitation.account_id == account.id, Invitation.email == account.email),
    ), (at, Invitation.id)


def _links(market: Market, account: Account, group: str):
    # Tokens have no market of their own: the account's id keeps them in this market.
    return select(
        *_row(Token.created_at, "link", Token.id, action=Token.purpose, until=Token.used_at)
    ).where(Token.account_id == account.id), (Token.created_at, Token.id)


def _ledger(market: Market, account: Account, group: str):
    # Order charges are the order's own line ("Order #12 placed").
    return select(
        *_row(
            LedgerEntry.created_at,
            "ledger",
            LedgerEntry.id,
            action=LedgerEntry.kind,
            actor_id=LedgerEntry.created_by_id,
            amount_cents=LedgerEntry.amount_cents,
            ref_id=LedgerEntry.order_id,
            text=LedgerEntry.reason_text,
        )
    ).where(
        of_market(LedgerEntry, market),
        LedgerEntry.account_id == account.id,
        LedgerEntry.kind != LedgerKind.ORDER,
    ), (LedgerEntry.created_at, LedgerEntry.id)


def _orders(market: Market, account: Account, group: str):
    return select(
        *_row(
            Order.placed_at,
            "order",
            Order.id,
            actor_id=Order.placed_by_id,
            amount_cents=Order.total_cents,
            ref_id=Order.id,
        )
    ).where(of_market(Order, market), Order.account_id == account.id), (
        Order.placed_at,
        Order.id,
    )


def _cancelled_orders(market: Market, account: Account, group: str):
    return select(
        *_row(
            Order.cancelled_at,
            "order_cancelled",
            Order.id,
            amount_cents=Order.total_cents,
            ref_id=Order.id,
        )
    ).where(
        of_market(Order, market),
        Order.account_id == account.id,
        Order.cancelled_at.is_not(None),
    ), (Order.cancelled_at, Order.id)


def _card_charges(market: Market, account: Account, group: str):
    return select(
        *_row(
            CardCharge.created_at,
            "charge",
            CardCharge.id,
            action=CardCharge.status,
            amount_cents=CardCharge.amount_cents,
            ref_id=CardCharge.order_id,
            text=CardCharge.message,
        )
    ).where(of_market(CardCharge, market), CardCharge.account_id == account.id), (
        CardCharge.created_at,
        CardCharge.id,
    )


def _mail_events(market: Market, account: Account, group: str):
    at = func.coalesce(MailEvent.occurred_at, MailEvent.received_at)
    about_this_address = or_(MailEvent.account_id == account.id, MailEvent.email == account.email)
    return select(
        *_row(at, "mail", MailEvent.id, action=MailEvent.kind, text=MailEvent.reason)
    ).where(
        or_(
            and_(of_market(MailEvent, market), about_this_address),
            # A hard bounce from mail of no known market stops the address at every market.
            and_(
                MailEvent.market_id.is_(None),
                or_(
                    MailEvent.account_id == account.id,
                    and_(
                        MailEvent.kind == MailEventKind.HARD_BOUNCE,
                        MailEvent.email == account.email,
                    ),
                ),
            ),
        )
    ), (at, MailEvent.id)


def _act_as(market: Market, account: Account, group: str):
    return select(
        *_row(
            ActAsSession.started_at,
            "act_as",
            ActAsSession.id,
            actor_id=ActAsSession.manager_id,
            text=ActAsSession.reason,
            until=func.coalesce(ActAsSession.ended_at, ActAsSession.last_seen_at),
            action=func.coalesce(ActAsSession.end_reason, ""),
        )
    ).where(of_market(ActAsSession, market), ActAsSession.shopper_id == account.id), (
        ActAsSession.started_at,
        ActAsSession.id,
    )


BRANCHES = {
    "orders": (_orders, _cancelled_orders, _card_charges),
    "balance": (_ledger,),
    "mail": (_mail_events, _audit),
    "sign_ins": (_audit, _act_as, _links),
    "changes": (_created, _invitations, _audit),
}
ALL_BRANCHES = (
    _audit,
    _created,
    _invitations,
    _links,
    _ledger,
    _orders,
    _cancelled_orders,
    _card_charges,
    _mail_events,
    _act_as,
)


def timeline_page(
    market: Market, account: Account, page: int = 1, per_page: int = PER_PAGE, group: str = ""
) -> TimelinePage:
    """One page of the account's timeline, newest first, in two statements.

    `group` is a key of GROUPS ("" for everything); an unknown one reads as "".
    """
    if not belongs_to(account, market):
        raise ValueError("The account belongs to another market.")
    group = group if group in GROUPS else ""
    page = min(max(page, 1), MAX_PAGE)
    offset = (page - 1) * per_page
    # Any row of the page is among the first offset + per_page + 1 of its own branch.
    needed = offset + per_page + 1
    branches = []
    for build in BRANCHES.get(group, ALL_BRANCHES):
        query, (at, source_id) = build(market, account, group)
        limited = query.order_by(at.desc(), source_id.desc()).limit(needed).subquery()
        branches.append(select(limited))
    timeline = union_all(*branches).subquery()
    rows = db.session.execute(
        select(timeline)
        .order_by(
            timeline.c.occurred_at.desc(), timeline.c.kind.desc(), timeline.c.source_id.desc()
        )
        .limit(per_page + 1)
        .offset(offset)
    ).all()
    has_older = len(rows) > per_page
    rows = rows[:per_page]
    names = _names({row.actor_id for row in rows if row.actor_id is not None})
    return TimelinePage(
        entries=[describe(row, account, market, names) for row in rows],
        page=page,
        per_page=per_page,
        group=group,
        has_older=has_older,
    )


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        row.id: f"{row.first_name} {row.last_name}".strip() or row.email
        for row in db.session.execute(
            select(Account.id, Account.first_name, Account.last_name, Account.email).where(
                Account.id.in_(ids)
            )
        )
    }

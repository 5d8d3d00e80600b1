"""The customer grid's query: one SELECT with every icon's data joined, plus one count.

Kept out of the view so the benchmark, the export and the tests share it; here in
segments, below customers, because a segment is a saved grid filter and counts, pages
and sends through this same query.
"""

from dataclasses import dataclass
from math import ceil

from sqlalchemy import ARRAY, Integer, and_, any_, cast, func, literal, select

from ..accounts.models import Account
from ..accounts.search import search_clause
from ..catalog.models import GrowerProfile
from ..extensions import db
from ..markets.models import Market
from ..payments.models import PaymentMethod
from ..search import MAX_PAGE, search_words
from ..tenancy import of_market
from ..timeutil import market_today, utcnow
from .criteria import criteria_clause

SORTS = {
    "first_name": Account.first_name,
    "last_name": Account.last_name,
    "email": Account.email,
    "joined_at": Account.joined_at,
    "balance_cents": Account.balance_cents,
    "order_count": Account.order_count,
    "total_spent_cents": Account.total_spent_cents,
    "last_order_at": Account.last_order_at,
}
DEFAULT_SORT = "last_name"
# Counting every match of a broad search is the most expensive part of a page;
# it stops a few pages past the current one (at least this many) and says "200+".
COUNT_CAP = 200


@dataclass
class GridPage:
    rows: list
    count: int
    count_is_capped: bool
    page: int


# The Type and Verified filters (spec 002: Registered / Guest; spec 001: Verified / Unverified).
CUSTOMER_TYPES = {"registered": "Registered", "guest": "Guest"}
VERIFIED_CHOICES = {"verified": "Verified", "unverified": "Unverified"}


def customer_filter(
    market: Market,
    words: list[str],
    active_only: bool,
    criteria=None,
    customer_type: str | None = None,
    verified: str | None = None,
):
    """The market's customers matching the search, the toggles and segment criteria values."""
    clauses = [of_market(Account, market)]
    if active_only:
        clauses.append(Account.active.is_(True))
    if customer_type in CUSTOMER_TYPES:
        clauses.append(Account.is_guest.is_(customer_type == "guest"))
    if verified == "verified":
        clauses.append(Account.email_verified_at.is_not(None))
    elif verified == "unverified":
        clauses.append(Account.email_verified_at.is_(None))
    if words:
        clauses.append(search_clause(words))
    if criteria:
        clauses.append(criteria_clause(criteria, utcnow(), market_today(market)))
    return and_(*clauses)


def matching_account_ids(
    market: Market,
    *,
    search: str | None = None,
    active_only: bool = False,
    customer_type: str | None = None,
    verified: str | None = None,
    criteria=None,
) -> list[int]:
    """Every account id the grid shows for this search and these filters (all pages)."""
    where = customer_filter(
        market,
        search_words(search),
        active_only,
        criteria,
        customer_type=customer_type,
        verified=verified,
    )
    return list(db.session.scalars(select(Account.id).where(where).order_by(Account.id)))


def grid_select():
    """The columns one grid row needs, icons included, in a single statement."""
    default_card = and_(PaymentMethod.account_id == Account.id, PaymentMethod.is_default)
    return (
        select(
            Account.id,
            Account.first_name,
            Account.last_name,
            Account.email,
            Account.joined_at,
            Account.balance_cents,
            Account.order_count,
            Account.total_spent_cents,
            Account.last_order_at,
            Account.active,
            Account.is_manager,
            Account.is_superuser,
            Account.staff_role,
            Account.is_volunteer,
            Account.receives_mailings,
            Account.email_bounced_at,
            Account.membership_expires_on,
            Account.is_guest,
            Account.email_verified_at,
            Account.loyalty_points,
            GrowerProfile.id.label("grower_id"),
            GrowerProfile.name.label("grower_name"),
            PaymentMethod.brand.label("card_brand"),
            PaymentMethod.last4.label("card_last4"),
            PaymentMethod.exp_month.label("card_exp_month"),
            PaymentMethod.exp_year.label("card_exp_year"),
        )
        .select_from(Account)
        .outerjoin(GrowerProfile, GrowerProfile.account_id == Account.id)
        .outerjoin(PaymentMethod, default_card)
    )


def count_customers(where, *, cap: int | None) -> tuple[int, bool]:
    """How many rows match, stopping at `cap` + 1 when a cap is given."""
    if cap is None:
        return db.session.scalar(select(func.count()).select_from(Account).where(where)), False
    limited = select(literal(1)).select_from(Account).where(where).limit(cap + 1).subquery()
    count = db.session.scalar(select(func.count()).select_from(limited))
    return min(count, cap), count > cap


def customer_page(
    market: Market,
    *,
    search: str | None = None,
    active_only: bool = False,
    customer_type: str | None = None,
    verified: str | None = None,
    sort: str | None = None,
    descending: bool = False,
    page: int = 0,
    page_size: int = 50,
    criteria=None,
    exact_count: bool = False,
) -> GridPage:
    """One page of the market's customers; a page past the end is the last page."""
    words = search_words(search)
    where = customer_filter(market, words, active_only, criteria, customer_type, verified)
    filtered = bool(words or criteria or active_only) or customer_type in CUSTOMER_TYPES
    filtered = filtered or verified in VERIFIED_CHOICES
    page = min(max(page or 0, 0), MAX_PAGE)
    if not filtered:
        # The whole market: its kept count, never a count(*) of every account per page.
        count, capped = max(market.customer_count or 0, 0), False
    elif exact_count:
        count, capped = count_customers(where, cap=None)
    else:
        # A search or filter counts far enough to draw the pager a few pages past this one.
        count, capped = count_customers(where, cap=max(COUNT_CAP, (page + 3) * page_size))
    last_page = max(ceil(count / page_size) - 1, 0)
    if page > last_page and not capped:
        page = last_page
    ascending, descending_order = sort_orders(sort)
    order = descending_order if descending else ascending
    rows = db.session.execute(
        _page_statement(
            where,
            order,
            ascending if descending else descending_order,
            page,
            page_size,
            None if capped else count,
        )
    ).all()
    if not rows and page > 0 and capped:
        # Past the end of a capped search: find the true end once.
        count, capped = count_customers(where, cap=None)
        page = max(ceil(count / page_size) - 1, 0)
        reverse = ascending if descending else descending_order
        rows = db.session.execute(
            _page_statement(where, order, reverse, page, page_size, count)
        ).all()
    return GridPage(rows=rows, count=count, count_is_capped=capped, page=page)


def sort_orders(sort: str | None) -> tuple[tuple, tuple]:
    """(ascending, descending) ORDER BY of a grid sort, each ending in the id tie-breaker."""
    column = SORTS.get(sort or "", SORTS[DEFAULT_SORT])
    return (column.asc(), Account.id.asc()), (column.desc(), Account.id.desc())


def _page_statement(where, order, reverse, page: int, page_size: int, count: int | None):
    """One page in one statement: the page's ids from the sort index, then their columns.

    Picking the ids first keeps deep pages an index scan instead of a sort of
    every joined row; past the middle of a list of known size the ids are read
    from the other end, so the last page is as cheap as the first.
    """
    offset, limit, inner_order = page * page_size, page_size, order
    if count is not None and offset > count // 2:
        from_end = count - offset - page_size
        inner_order, offset, limit = reverse, max(from_end, 0), page_size + min(from_end, 0)
    page_ids = (
        select(Account.id).where(where).order_by(*inner_order).limit(limit).offset(offset)
    ).subquery()
    if db.session.get_bind().dialect.name == "postgresql":
        # The ids as one array the planner evaluates first (an InitPlan): each row is then
        # read by its primary key. Joined as a subquery instead, a 1000-row page was planned
        # as a hash join over every account of the table (40-47 ms at 100,000 customers).
        # (Cast, so ANY reads one array value, not the rows of a subquery.)
        id_array = cast(select(func.array_agg(page_ids.c.id)).scalar_subquery(), ARRAY(Integer))
        return grid_select().where(Account.id == any_(id_array)).order_by(*order)
    return grid_select().join(page_ids, page_ids.c.id == Account.id).order_by(*order)

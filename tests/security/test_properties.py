"""Property and fuzz tests (hypothesis): whatever is typed or uploaded, the answer is a clear
message or a correct result, never a crash, and the invariants of the money and the import hold.
"""

import calendar
import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.balance.models import LedgerAllocation, LedgerEntry
from lgadmin.balance.service import (
    MAX_ADJUSTMENT_CENTS,
    REASONS,
    BalanceError,
    adjust_balance,
    parse_amount,
)
from lgadmin.contact import email_problem
from lgadmin.extensions import db, limiter
from lgadmin.membership.service import add_months
from lgadmin.money import format_money
from lgadmin.onboarding.csv_import import (
    CsvRefused,
    carry_out_import,
    create_preview,
    preview_totals,
    read_csv,
)
from lgadmin.onboarding.invitations import (
    InvitationsRefused,
    entry_address,
    send_invitations,
    split_entries,
)
from lgadmin.onboarding.models import Invitation
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import apply_payment_to_open_orders, place_order
from lgadmin.search import MAX_SEARCH_CHARS, MAX_SEARCH_WORDS, search_words
from lgadmin.segments.grid import customer_page
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory, ProductFactory

# Every example of a database property makes its own market, so the examples of one
# test (which share the test's clean database) never see each other's rows.
DB = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE = settings(max_examples=200, deadline=None)

# Cells a person might type, and the odd ones a file carries.
CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Ana",
            "López",
            "<script>alert(1)</script>",
            '=HYPERLINK("x")',
            "'=1+2",
            "a@example.org",
            "A@Example.org",
            "b@example.org",
            "taken@example.org",
            "not-an-email",
            "(706) 543-1234",
            "+44 20 7946 0958",
            "downtown",
            "Nowhere",
            "x" * 90,
        ]
    ),
    st.text(max_size=30),
)
HEADERS = ["first name", "last name", "email", "phone", "pickup location"]


def _csv_bytes(header, rows, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="replace")


csv_files = st.builds(
    _csv_bytes,
    header=st.one_of(
        st.just(HEADERS),
        st.permutations(HEADERS + ["Notes"]),
        st.lists(st.sampled_from(HEADERS + ["Email Address", "Surname", "", "x"]), max_size=7),
    ),
    rows=st.lists(st.lists(CELL, max_size=7), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)


# -- the CSV reader and the preview ---------------------------------------------------------


@PURE
@given(st.one_of(st.binary(max_size=2000), csv_files))
def test_reading_any_file_gives_rows_or_a_reason_never_a_crash(data):
    try:
        rows, ignored = read_csv(data)
    except CsvRefused as refused:
        assert str(refused)  # a sentence for the manager
        return
    assert rows and all(isinstance(cells, dict) for _, cells in rows)
    assert [number for number, _ in rows] == sorted(number for number, _ in rows)
    assert all(set(cells) <= set(HEADERS) for _, cells in rows)


def _market():
    market = MarketFactory(pickup_locations_enabled=True)
    PickupLocationFactory(market=market, name="Downtown")
    manager = AccountFactory(market=market, manager=True, email="manager@example.org")
    AccountFactory(market=market, email="taken@example.org")
    return market, manager


def _accounts(market) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Account.email).where(Account.market_id == market.id)))


@DB
@given(data=csv_files)
def test_a_preview_creates_nothing_and_the_import_creates_exactly_the_ready_rows(app, data):
    market, manager = _market()
    before = _accounts(market)
    try:
        preview = create_preview(manager, market, data, "customers.csv")
    except CsvRefused:
        assert _accounts(market) == before
        return
    assert _accounts(market) == before  # the preview created nothing
    ready = {row["email"] for row in preview.rows if not row["problems"]}
    assert preview_totals(preview)["ready"] == len(ready)  # a Ready address is never repeated
    assert carry_out_import(manager, market, preview) is True
    assert _accounts(market) - before == ready
    assert carry_out_import(manager, market, preview) is False  # the second press
    assert _accounts(market) - before == ready


# -- the invitation address parser --------------------------------------------------------

ENTRY = st.one_of(
    st.sampled_from(
        [
            "a@example.org",
            "A@EXAMPLE.ORG",
            "Jo Doe <jo@example.org>",
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "Evil <script>x</script> <evil@example.org>",
            "taken@example.org",
            "<>",
            "@",
            "x@",
        ]
    ),
    st.text(max_size=40),
)
PASTED = st.lists(ENTRY, max_size=15).map("\n".join) | st.text(max_size=300)


@PURE
@given(PASTED)
def test_any_pasted_text_splits_into_entries_and_addresses_without_a_crash(pasted):
    entries = split_entries(pasted)
    assert all(entry and entry == entry.strip() for entry in entries)
    for entry in entries:
        address = entry_address(entry)
        assert address == address.lower()
        email_problem(address)  # a problem or None, never an exception


@DB
@given(pasted=PASTED, message=st.text(max_size=60))
def test_sending_invitations_invites_exactly_the_valid_new_addresses(app, pasted, message):
    market, manager = _market()
    try:
        batch, is_new = send_invitations(manager, market, pasted, message, "key")
    except InvitationsRefused as refused:
        assert str(refused)
        return
    assert is_new
    sent = batch.summary["sent"]
    assert all(email_problem(address) is None for address in sent)
    assert "taken@example.org" not in sent and len(set(sent)) == len(sent)
    invited = db.session.scalars(select(Invitation.email).where(Invitation.batch_id == batch.id))
    assert sorted(invited) == sorted(sent)
    assert _accounts(market) == {"manager@example.org", "taken@example.org"}


# -- money ----------------------------------------------------------------------------------

CENTS = st.integers(-MAX_ADJUSTMENT_CENTS, MAX_ADJUSTMENT_CENTS).filter(bool)


@PURE
@given(CENTS)
def test_an_amount_as_shown_reads_back_as_the_same_cents(cents):
    shown = format_money(cents, "USD")
    assert parse_amount(shown) == cents
    assert parse_amount(shown.replace("−", "-").replace("$", "")) == cents


@PURE
@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"[ $+\-−]{0,2}[\d,]{0,40}(\.\d{0,5})?", fullmatch=True),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(10**20, 10**60).map(str),
    )
)
@example("1" * 30)  # more digits than the decimal context holds: was an InvalidOperation
@example("9" * 29 + ".99")
def test_any_typed_amount_is_cents_within_the_limit_or_a_clear_refusal(text):
    try:
        cents = parse_amount(text)
    except BalanceError as refused:
        assert str(refused)
        return
    assert isinstance(cents, int) and 0 < abs(cents) <= MAX_ADJUSTMENT_CENTS


# -- membership dates ----------------------------------------------------------------------

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
MONTHS = st.integers(-1200, 1200)


@PURE
@given(DATES, MONTHS)
def test_adding_months_gives_a_real_date_in_the_right_month(start, months):
    moved = add_months(start, months)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    last_day = calendar.monthrange(moved.year, moved.month)[1]
    assert moved.day == min(start.day, last_day)


@PURE
@given(DATES, MONTHS)
def test_adding_then_removing_months_returns_to_the_start_or_the_months_end(start, months):
    moved = add_months(start, months)
    back = add_months(moved, -months)
    if back != start:
        # Only when the day did not exist in the month in between (31 Jan + 1 month).
        assert moved.day == calendar.monthrange(moved.year, moved.month)[1] < start.day
        assert (back.year, back.month) == (start.year, start.month) and back.day < start.day


# -- search -----------------------------------------------------------------------------------

SEARCH = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["%", "_", "\\", "%_\\", "' OR 1=1 --", "<script>", "\x00", "a\u0301"]),
)


@PURE
@given(SEARCH)
def test_search_words_are_bounded_and_clean(text):
    words = search_words(text)
    assert len(words) <= MAX_SEARCH_WORDS
    assert sum(len(word) for word in words) <= MAX_SEARCH_CHARS
    assert not any(ord(c) < 32 or ord(c) == 127 for word in words for c in word)


@DB
@given(
    search=SEARCH,
    sort=st.sampled_from([None, "", "email", "balance_cents", "bogus", "id; DROP"]),
    descending=st.booleans(),
    page=st.integers(-5, 10**6),
    page_size=st.sampled_from([1, 2, 50]),
)
def test_any_search_returns_a_page_of_the_markets_own_customers(
    app, search, sort, descending, page, page_size
):
    market, _ = _market()
    AccountFactory(market=market, first_name="Ana%", last_name="O'Neil_", email="ana@example.org")
    AccountFactory(first_name="Ana", email="ana@other.example.org")  # another market
    grid = customer_page(
        market, search=search, sort=sort, descending=descending, page=page, page_size=page_size
    )
    mine = _accounts(market)
    assert {row.email for row in grid.rows} <= mine
    assert 0 <= grid.count <= len(mine) and grid.page >= 0
    for word in search_words(search):
        if word.isascii():
            for row in grid.rows:
                assert word.lower() in f"{row.first_name} {row.last_name} {row.email}".lower()


@DB
@given(
    search=SEARCH,
    page=st.one_of(st.integers(-5, 10**30).map(str), st.text(max_size=5)),
    sort=st.one_of(st.integers(-3, 10).map(str), st.text(max_size=3)),
)
def test_the_grid_answers_any_search_url_without_a_server_error(app, signed_in, search, page, sort):
    limiter.reset()  # every example signs in again; the sign-in limit is not under test here
    market, manager = _market()
    client = signed_in(manager)
    url = f"/admin/customers/?search={quote(search)}&page={quote(page)}&sort={quote(sort)}"
    response = client.get(url)
    if "\x00" in search + page + sort or len(search) > MAX_SEARCH_CHARS:
        # refused with a message that says why (issue 19), never a 500
        assert response.status_code == 400, url
        text = response.get_data(as_text=True)
        assert "NUL character" in text or f"at most {MAX_SEARCH_CHARS} characters" in text
    else:
        assert response.status_code == 200, url


# -- the ledger -------------------------------------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("adjust"),
            st.integers(-50_00, 50_00).filter(bool),
            st.sampled_from(sorted(REASONS)),
            st.booleans(),
        ),
        st.tuples(
            st.just("order"),
            st.integers(1, 4),
            st.sampled_from(list(PaymentChoice)),
            st.booleans(),
        ),
    ),
    min_size=1,
    max_size=10,
)


@settings(DB, max_examples=30)
@given(operations=OPERATIONS)
def test_the_cached_balance_equals_the_ledger_sum_after_any_sequence(app, operations):
    market, manager = _market()
    shopper = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market, price_cents=375)
    for operation in operations:
        if operation[0] == "adjust":
            _, cents, reason, apply = operation
            pay = apply_payment_to_open_orders if apply else None
            adjust_balance(shopper.market, shopper.id, cents, reason, "", manager, pay_orders=pay)
        else:
            _, quantity, choice, by_manager = operation
            place_order(
                shopper,
                [(product, Decimal(quantity))],
                choice,
                placed_by=manager if by_manager else None,
            )
        db.session.commit()
        _assert_ledger_consistent(shopper.id)


def _assert_ledger_consistent(account_id: int) -> None:
    db.session.expire_all()
    account = db.session.get(Account, account_id)
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.account_id == account_id).order_by(LedgerEntry.id)
    ).all()
    assert account.balance_cents == sum(entry.amount_cents for entry in entries)
    running = 0
    for entry in entries:
        running += entry.amount_cents
        assert entry.balance_after_cents == running
    for order in db.session.scalars(select(Order).where(Order.account_id == account_id)):
        paid = db.session.scalar(
            select(func.coalesce(func.sum(LedgerAllocation.amount_cents), 0)).where(
                LedgerAllocation.order_id == order.id
            )
        )
        assert 0 <= order.amount_due_cents <= order.total_cents
        # A payment applied to open orders later is balance applied to the order too.
        assert 0 <= paid <= order.balance_applied_cents
        assert order.amount_due_cents == order.total_cents - order.balance_applied_cents
        assert (order.paid_at is not None) == (order.amount_due_cents == 0)

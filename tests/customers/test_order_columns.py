"""Total Orders, Total Spent and Last Order in the grid (spec 003; spec 004's order-count link)."""

import re

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.orders.models import Order
from lgadmin.timeutil import utcnow
from tests.conftest import counting_statements
from tests.factories import AccountFactory
from tests.insight import order

GRID = "/admin/customers/"


def grid_rows(response) -> dict[str, list[str]]:
    """email -> the texts of the row's last four cells (balance, orders, spent, last order)."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    rows = {}
    for row in re.findall(r"<tr data-id=.*?</tr>", html, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows[cells[2]] = cells[5:9]
    return rows


def emails_in_order(response) -> list[str]:
    return re.findall(r"<td>([^<@]+@[^<]+)</td>", response.get_data(as_text=True))


def test_grid_shows_total_orders_total_spent_and_last_order(market, manager_client):
    shopper = AccountFactory(market=market, email="buyer@example.org")
    AccountFactory(market=market, email="never@example.org")
    order(shopper, 1250, days_ago=3)
    order(shopper, 4000, days_ago=40)
    response = manager_client.get(GRID)
    rows = grid_rows(response)
    assert rows["buyer@example.org"][1:3] == ["2", "$52.50"]
    assert rows["buyer@example.org"][3] != ""
    assert rows["never@example.org"][1:] == ["0", "$0.00", ""]
    html = response.get_data(as_text=True)
    for label in ("Total Orders", "Total Spent", "Last Order"):
        assert f">{label}</a>" in html  # sortable headers


def test_the_order_count_links_to_that_customers_orders(market, manager_client):
    shopper = AccountFactory(market=market, email="buyer@example.org")
    placed = order(shopper, 1250)
    html = manager_client.get(GRID).get_data(as_text=True)
    link = re.search(r'href="([^"]+)" class="lg-orders"[^>]*>1</a>', html).group(1)
    assert link.endswith(f"id={shopper.id}#orders")
    details = manager_client.get(link.replace("&amp;", "&").split("#")[0]).get_data(as_text=True)
    assert 'id="orders"' in details and f"/admin/customers/orders/{placed.id}" in details


@pytest.mark.parametrize(
    ("sort", "key"), [(6, "order_count"), (7, "total_spent_cents"), (8, "last")]
)
def test_order_columns_sort_both_ways(market, manager_client, sort, key):
    spends = {"a@x.org": [500], "b@x.org": [100, 100, 100], "c@x.org": [], "d@x.org": [2000, 50]}
    for n, (email, cents) in enumerate(spends.items()):
        shopper = AccountFactory(market=market, email=email)
        for m, amount in enumerate(cents):
            order(shopper, amount, days_ago=10 * (n + 1) + m)
    accounts = db.session.scalars(select(Account).where(Account.email.like("%@x.org"))).all()

    def sort_key(a):
        if key == "last":
            return (a.last_order_at is not None, a.last_order_at or utcnow(), a.id)
        return (getattr(a, key), a.id)

    expected = [a.email for a in sorted(accounts, key=sort_key)]
    shown = [e for e in emails_in_order(manager_client.get(f"{GRID}?sort={sort}")) if "@x.org" in e]
    shown_desc = [
        e
        for e in emails_in_order(manager_client.get(f"{GRID}?sort={sort}&desc=1"))
        if "@x.org" in e
    ]
    if key == "last" and db.engine.dialect.name == "postgresql":
        # PostgreSQL puts customers who never ordered last when ascending
        expected = expected[1:] + expected[:1]
    assert shown == expected
    assert shown_desc == list(reversed(expected))


def test_order_columns_filter_through_the_grid_arguments(market, manager_client):
    for n in range(6):
        shopper = AccountFactory(market=market, email=f"s{n}@x.org")
        for _ in range(n):
            order(shopper, 1000, days_ago=n * 20 + 1)
    response = manager_client.get(GRID + "?orders_more_than=2&orders_less_than=5")
    assert sorted(e for e in emails_in_order(response) if "@x.org" in e) == [
        "s3@x.org",
        "s4@x.org",
    ]
    html = response.get_data(as_text=True)
    assert "More than 2 orders" in html and "Less than 5 orders" in html
    # the filters survive sorting and paging, like the active toggle
    links = re.findall(r'href="(/admin/customers/\?[^"]*sort=[^"]*)"', html)
    assert links and all("orders_more_than=2" in link for link in links)
    within = manager_client.get(GRID + "?last_order_within_days=50&spent_more_than=15")
    assert sorted(e for e in emails_in_order(within) if "@x.org" in e) == ["s2@x.org"]


def test_impossible_grid_filters_are_refused_beside_the_criterion(market, manager_client):
    AccountFactory(market=market, email="s@x.org")
    response = manager_client.get(GRID + "?orders_more_than=5&orders_less_than=2")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No order count is more than 5 and less than 2." in html
    assert "s@x.org" in html  # nothing filtered, and said so
    for query in ("orders_more_than=-1", "spent_more_than=abc", "last_order_within_days=1e9"):
        response = manager_client.get(f"{GRID}?{query}")
        assert (
            response.status_code == 200
            and 'class="text-danger small lg-error"' in response.get_data(as_text=True)
        ), query


def test_statement_count_with_order_columns_filters_and_a_segment(app, market, manager_client):
    from lgadmin.segments.models import Segment

    db.session.add_all(
        Account(
            market_id=market.id,
            email=f"q{n}@example.org",
            last_name=f"{n:04d}",
            order_count=2 + n % 7,
            total_spent_cents=n * 10,
        )
        for n in range(1100)
    )
    segment = Segment(market_id=market.id, name="Regulars", criteria={"orders_more_than": "1"})
    db.session.add(segment)
    db.session.commit()
    counts = {}
    for query in ("sort=7", "sort=6&orders_more_than=1", f"segment={segment.id}&sort=8"):
        for size in (50, 1000):
            with app.app_context(), counting_statements() as statements:
                response = manager_client.get(f"{GRID}?page_size={size}&{query}")
            assert response.status_code == 200
            assert response.get_data(as_text=True).count("<tr data-id=") == size
            counts[(query, size)] = len(statements)
    assert max(counts.values()) <= 5, counts
    assert all(counts[(q, 50)] == counts[(q, 1000)] for q, _ in counts)


def test_demo_data_keeps_the_order_columns_right(app):
    from sqlalchemy import func

    from lgadmin.demo import seed_demo_data

    seed_demo_data(customers=15)
    live = Order.cancelled_at.is_(None)
    truth = dict(
        (row[0], (row[1], int(row[2]), row[3]))
        for row in db.session.execute(
            select(
                Order.account_id,
                func.count(),
                func.sum(Order.total_cents),
                func.max(Order.placed_at),
            )
            .where(live)
            .group_by(Order.account_id)
        )
    )
    assert truth, "the demo places orders"
    for account in db.session.scalars(select(Account).where(Account.market_id.is_not(None))):
        expected = truth.get(account.id, (0, 0, None))
        assert (account.order_count, account.total_spent_cents, account.last_order_at) == expected


def insert_row(conn, table: str, **values):
    from sqlalchemy import text

    names = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES ({params})"), values)


@pytest.mark.slow
def test_the_migration_fills_the_order_columns_from_existing_orders(tmp_path):
    from flask_migrate import upgrade
    from sqlalchemy import text

    from lgadmin import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as conn:
            insert_row(
                conn,
                "lgadmin_market",
                id=1,
                slug="m",
                name="M",
                timezone="UTC",
                currency="USD",
                membership_required=0,
                membership_price_cents=0,
                trial_orders_allowed=0,
                pickup_locations_enabled=0,
                created_at="2026-01-01",
            )
            for n in (1, 2):
                insert_row(
                    conn,
                    "lgadmin_account",
                    id=n,
                    market_id=1,
                    email=f"a{n}@x.org",
                    first_name="",
                    last_name="",
                    phone="",
                    address_line1="",
                    address_line2="",
                    city="",
                    region="",
                    postal_code="",
                    country="US",
                    joined_at="2026-01-01",
                    active=1,
                    is_superuser=0,
                    is_manager=0,
                    is_volunteer=0,
                    is_wholesale=0,
                    receives_mailings=1,
                    line_position="first_come",
                    trial_orders_left=0,
                    balance_cents=0,
                    manager_comments="",
                    version=1,
                )
            for n, (placed, cents, cancelled) in enumerate(
                [
                    ("2026-02-01 10:00:00", 1000, None),
                    ("2026-03-01 10:00:00", 250, None),
                    ("2026-04-01 10:00:00", 999, "2026-04-02 10:00:00"),
                ],
                start=1,
            ):
                insert_row(
                    conn,
                    "lgadmin_orders",
                    id=n,
                    market_id=1,
                    account_id=1,
                    placed_at=placed,
                    total_cents=cents,
                    amount_due_cents=0,
                    balance_applied_cents=0,
                    includes_membership=0,
                    payment_choice="card",
                    cancelled_at=cancelled,
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, order_count, total_spent_cents, last_order_at "
                    "FROM lgadmin_account ORDER BY id"
                )
            ).all()
        db.engine.dispose()
    assert [(r[0], r[1], r[2], r[3] and str(r[3])[:19]) for r in rows] == [
        (1, 2, 1250, "2026-03-01 10:00:00"),
        (2, 0, 0, None),
    ]

"""The customer grid in a browser: search, the active toggle, sorting, page size, card tooltip."""

import pytest
from playwright.sync_api import expect

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from tests.factories import PASSWORD, AccountFactory, MarketFactory, PaymentMethodFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def market_with_customers():
    market = MarketFactory(name="Athens Locally Grown")
    manager = AccountFactory(
        market=market, manager=True, email="maria@athens.org", last_name="Manager"
    )
    db.session.add_all(
        Account(
            market_id=market.id,
            first_name=first,
            last_name=f"Smith{n:03d}",
            email=f"{first.lower()}{n}@{'hotmail.com' if n % 2 else 'gmail.com'}",
            balance_cents=(n * 37) % 5000 - 1000,
            active=n % 7 != 0,
        )
        for n, first in enumerate(["Robert", "Roberta", "Ann", "Zed"] * 30)
    )
    db.session.commit()
    carded = db.session.query(Account).filter_by(email="robert0@gmail.com").one()
    PaymentMethodFactory(account=carded, brand="visa", last4="4242")
    return market, manager


def test_search_filter_sort_page_size_and_card_tooltip(market_with_customers, live_server, page):
    market, manager = market_with_customers
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/")
    rows = page.locator(".lg-grid tbody tr")
    expect(page.locator(".lg-count")).to_contain_text("121 customers")
    expect(rows).to_have_count(50)

    page.get_by_placeholder("Search name or email").fill("  rob hotmail ")
    with page.expect_navigation():
        page.get_by_placeholder("Search name or email").press("Enter")
    expect(page.locator(".lg-count")).to_contain_text("30 customers")
    for email in rows.locator("td:nth-child(3)").all_inner_texts():
        assert email.startswith("rob") and email.endswith("@hotmail.com")

    page.get_by_role("link", name="Active accounts").click()
    expect(page.locator(".lg-count")).to_contain_text("26 customers")
    expect(page.locator("tr.lg-inactive")).to_have_count(0)

    page.get_by_role("link", name="Balance").click()
    balances = _balances(rows)
    assert balances == sorted(balances) and len(balances) == 26
    page.get_by_role("link", name="Balance").click()
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Balance")
    balances = _balances(rows)
    assert balances == sorted(balances, reverse=True)
    assert "status=active" in page.url and "search=" in page.url

    page.get_by_role("link", name="All customers").click()
    page.get_by_placeholder("Search name or email").fill("")
    with page.expect_navigation():
        page.get_by_placeholder("Search name or email").press("Enter")
    page.locator(".lg-grid-toolbar .dropdown-toggle").click()
    page.get_by_role("link", name="100 items").click()
    expect(rows).to_have_count(100)
    page.locator(".lg-grid").get_by_role("link", name="Last Name").click()
    expect(rows).to_have_count(100)
    assert "page_size=100" in page.url

    page.get_by_placeholder("Search name or email").fill("robert0@")
    with page.expect_navigation():
        page.get_by_placeholder("Search name or email").press("Enter")
    expect(page.locator(".lg-count")).to_contain_text("1 customer")
    page.wait_for_load_state()  # the tooltips' script runs once the page has loaded
    page.locator(".lg-grid .lg-icon-card").hover()
    expect(page.locator(".tooltip")).to_have_text("Visa ending in 4242")


def _balances(rows) -> list[int]:
    texts = rows.locator("td:nth-child(6)").all_inner_texts()
    return [
        int(t.replace("−", "-").replace("$", "").replace(",", "").replace(".", "")) for t in texts
    ]

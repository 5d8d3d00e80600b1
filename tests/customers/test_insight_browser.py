"""In a browser: the metrics cards load above the grid, a filter becomes a saved segment that
opens in the grid, and a campaign is sent to it."""

import pytest
from playwright.sync_api import expect

from lgadmin.extensions import db
from tests.factories import PASSWORD, AccountFactory, MarketFactory
from tests.insight import order

pytestmark = pytest.mark.browser


def test_cards_filter_segment_and_campaign(live_server, page):
    market = MarketFactory(name="Athens Locally Grown", slug="athens-browser")
    manager = AccountFactory(market=market, manager=True, email="maria@athens.org")
    for n in range(4):
        shopper = AccountFactory(market=market, email=f"buyer{n}@x.org", first_name=f"B{n}")
        for _ in range(n):
            order(shopper, 2500)
    db.session.commit()
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/")

    total = page.locator('[data-metric="total"] .lg-metric-value')
    expect(total).to_have_text("6")  # four buyers, the manager and the product's grower
    expect(page.locator('[data-metric="value"] .lg-metric-value')).to_have_text("$50.00")
    expect(page.locator(".lg-weekly-chart svg polyline")).to_have_count(2)
    page.locator('[data-metric="retention"]').hover()
    expect(page.locator(".tooltip")).to_contain_text("ordered again in the last 90 days")

    page.get_by_role("link", name="Filter / Create Segment").click()
    page.get_by_label("Order count more than").fill("5")
    page.get_by_label("Order count less than").fill("2")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#error-orders")).to_have_text(
        "No order count is more than 5 and less than 2."
    )
    page.get_by_label("Order count more than").fill("1")
    page.get_by_label("Order count less than").fill("")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".lg-preview-count")).to_have_text("2")
    page.get_by_label("Segment name").fill("Regulars")
    page.get_by_role("button", name="Save Segment").click()
    expect(page.locator(".alert-success")).to_contain_text("Segment “Regulars” saved.")

    page.get_by_role("link", name="Open in grid").click()
    expect(page.locator(".lg-grid tbody tr")).to_have_count(2)
    expect(page.locator(".lg-filters")).to_contain_text("More than 1 orders")
    page.get_by_role("link", name="Total Spent").click()
    expect(page.locator(".lg-grid tbody tr").first).to_contain_text("buyer2@x.org")

    page.get_by_role("link", name="Send an email campaign").click()
    page.get_by_label("Subject").fill("Strawberries")
    page.get_by_label("Message").fill("They are in!")
    page.get_by_role("button", name="Send Campaign").click()
    expect(page.locator('[data-count="sent"]')).to_have_text("2")

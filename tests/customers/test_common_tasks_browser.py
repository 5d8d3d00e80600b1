"""Spec 000's "Common Tasks", done in a real browser."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lgadmin.extensions import db
from lgadmin.membership.service import add_months
from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.timeutil import format_date, market_today
from tests.factories import PASSWORD, AccountFactory, MarketFactory, ProductFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(live_server, page):
    market = MarketFactory(name="Athens Locally Grown", membership_required=True)
    manager = AccountFactory(market=market, manager=True, email="maria@athens.org")
    customer = AccountFactory(
        market=market,
        first_name="Loyal",
        last_name="Customer",
        email="loyal@example.org",
        membership_expires_on=market_today(market) + timedelta(days=20),
    )
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Active Shoppers")).to_be_visible()
    return market, customer


def open_customer(page, live_server, name):
    page.goto(f"{live_server}/admin/customers/?search={name}")
    page.locator(".lg-grid").get_by_role("link", name=name).first.click()
    expect(page.locator(".lg-details-header")).to_contain_text(name)


def test_extend_membership_for_a_loyal_customer(shop, live_server, page):
    _, customer = shop
    expected = add_months(customer.membership_expires_on, 12)
    open_customer(page, live_server, "Loyal")
    page.get_by_label("Adjustment", exact=True).select_option(label="Add A Year")
    page.get_by_role("button", name="Update Membership").click()
    expect(page.get_by_role("alert")).to_contain_text(f"now expires {format_date(expected)}")
    expect(page.locator(".lg-membership-status")).to_have_text(
        f"Member until {format_date(expected)}"
    )


def test_fix_an_address(shop, live_server, page):
    open_customer(page, live_server, "Loyal")
    page.get_by_role("button", name="Edit Customer Info").click()
    page.get_by_label("Address", exact=True).fill("250 Prince Ave")
    page.get_by_label("City").fill("Athens")
    page.get_by_label("State").fill("GA")
    page.get_by_label("ZIP / postal code").fill("30601")
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("alert")).to_contain_text("Customer information saved.")
    expect(page.locator(".lg-address")).to_contain_text("250 Prince Ave")
    expect(page.locator(".lg-address")).to_contain_text("Athens, GA 30601")


def test_mark_an_account_inactive(shop, live_server, page):
    open_customer(page, live_server, "Loyal")
    page.get_by_label("Active Account").uncheck()
    page.get_by_role("button", name="Update Special Info").click()
    expect(page.get_by_role("alert")).to_contain_text("Special information updated.")
    expect(page.locator(".lg-details-header .badge")).to_have_text("Inactive")
    expect(page.get_by_label("Active Account")).not_to_be_checked()


def test_adjust_balance_with_apply_to_open_orders_pays_the_order(shop, live_server, page):
    market, customer = shop
    product = ProductFactory(grower__account__market=market, price_cents=1850)
    place_order(customer, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    open_customer(page, live_server, "Loyal")
    expect(page.locator("#orders")).to_contain_text("Owes $37.00")
    page.get_by_label("Adjustment amount").fill("40")
    page.get_by_label("Reason", exact=True).select_option(label="Customer Paid Cash")
    page.get_by_label("Apply to all open orders").check()
    page.get_by_role("button", name="Adjust Balance").click()
    expect(page.get_by_role("alert")).to_contain_text("New balance: $3.00.")
    expect(page.locator(".lg-balance")).to_have_text("$3.00")
    expect(page.locator("#orders")).to_contain_text("Paid")
    expect(page.locator("#orders")).not_to_contain_text("Owes")

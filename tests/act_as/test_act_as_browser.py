"""Spec 000's "Placing an Order for a Customer", start to finish in a browser."""

import pytest
from playwright.sync_api import expect

from lgadmin.act_as.models import ActAsSession
from lgadmin.extensions import db
from lgadmin.orders.models import Order
from tests.factories import PASSWORD, AccountFactory, MarketFactory, ProductFactory

pytestmark = pytest.mark.browser


def test_manager_places_a_phone_order_in_the_shoppers_seat(live_server, page):
    market = MarketFactory(name="Riverside Food Hub", slug="riverside")
    manager = AccountFactory(market=market, manager=True, email="dana@riverside.org")
    AccountFactory(
        market=market,
        first_name="Pat",
        last_name="Buyer",
        email="pat@example.org",
        balance_cents=4000,
    )
    ProductFactory(
        grower__account__market=market,
        grower__name="Broad River Greens",
        name="Salad mix",
        price_cents=500,
        unit="bag",
    )
    page.goto(f"{live_server}/m/riverside/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/?search=pat")

    row = page.locator(".lg-grid tbody tr", has_text="pat@example.org")
    row.get_by_role("link", name="Act as").click()
    dialog = page.locator("#lg-act-as-modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".lg-act-as-name")).to_have_text("Pat Buyer")
    dialog.get_by_label("Reason (optional)").fill("Phone order")
    dialog.get_by_role("button", name="Act as customer").click()

    banner = page.locator(".lg-act-as-banner")
    expect(banner).to_contain_text("Acting as Pat Buyer")
    expect(banner).to_contain_text("minutes left")
    page.get_by_label("Quantity of Salad mix").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Cart").click()
    expect(page.locator(".lg-cart-total")).to_have_text("$15.00")
    page.get_by_label("Use my account balance").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("alert")).to_contain_text("is placed")
    expect(page.locator(".lg-orders")).to_contain_text("$15.00")

    banner.get_by_role("button", name="End session").click()
    expect(page.get_by_role("alert")).to_contain_text("You are back in your own account")
    expect(page.locator(".lg-details-header")).to_contain_text("Pat Buyer")
    expect(page.locator("#orders")).to_contain_text("$15.00")
    expect(page.locator(".lg-balance")).to_have_text("$25.00")

    page.get_by_role("link", name="Logs").click()  # the navbar's menu of records
    page.get_by_role("link", name="Act-as log").click()
    expect(page.locator("table.model-list")).to_contain_text("Phone order")
    expect(page.locator("table.model-list")).to_contain_text("ended")
    order = db.session.query(Order).one()
    assert order.placed_by_id == manager.id
    record = db.session.query(ActAsSession).one()
    assert [a.path for a in record.actions] == ["/m/riverside/cart", "/m/riverside/checkout"]

"""The "Adjust Loyalty Points" dialog from a grid row, in a real browser (spec 002)."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AccountFactory, MarketFactory

pytestmark = pytest.mark.browser


def test_adjust_loyalty_points_from_the_grid_row(live_server, page):
    market = MarketFactory(name="Athens Locally Grown", loyalty_enabled=True)
    manager = AccountFactory(market=market, manager=True, last_name="Manager")
    AccountFactory(market=market, first_name="Robin", last_name="Hayes", loyalty_points=0)
    AccountFactory(market=market, first_name="Nora", last_name="Nopoints")
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/")

    page.get_by_role("button", name="Adjust loyalty points for Nora Nopoints").click()
    dialog = page.get_by_role("dialog", name="Adjust Loyalty Points")
    expect(dialog.get_by_text("Customer does not have a loyalty account.")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    page.get_by_role("button", name="Adjust loyalty points for Robin Hayes").click()
    expect(dialog.get_by_label("Number of Points")).to_be_visible()
    dialog.get_by_label("Action").select_option(label="Add Points")
    dialog.get_by_label("Number of Points").fill("40")
    dialog.get_by_label("Reason").fill("Thanks for volunteering")
    dialog.get_by_role("button", name="Adjust Points").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Successfully added 40 points. New balance: 40 points."
    )
    assert "/admin/customers/" in page.url and "details" not in page.url

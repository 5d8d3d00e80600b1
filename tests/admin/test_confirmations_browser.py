"""Deleting asks first, and the campaign's segment picker reloads for its choice: the strict CSP
blocks inline handlers, so these must work from lgadmin.js."""

import pytest
from playwright.sync_api import expect

from lgadmin.extensions import db
from lgadmin.groups.models import CustomerGroup
from lgadmin.segments.models import Segment
from tests.factories import PASSWORD, AccountFactory, MarketFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def manager_page(live_server, page):
    market = MarketFactory(name="Confirm Market", slug="confirm")
    manager = AccountFactory(market=market, manager=True)
    AccountFactory(market=market, is_wholesale=True, receives_mailings=True)
    db.session.add_all(
        [
            CustomerGroup(market_id=market.id, name="Restaurants"),
            Segment(market_id=market.id, name="Wholesale buyers", criteria={"wholesale": "yes"}),
        ]
    )
    db.session.commit()
    page.goto(f"{live_server}/m/confirm/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_deleting_a_group_asks_first_and_cancel_keeps_it(live_server, manager_page):
    page = manager_page
    page.goto(f"{live_server}/admin/customer-groups/")
    page.get_by_role("row", name="Restaurants").get_by_role("button").first.click()
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button, form[data-confirm] input[type=submit]").first.click()
    assert messages == ["Delete this group? Its customers will belong to no group."]
    page.reload()
    expect(page.get_by_role("row", name="Restaurants")).to_have_count(1)


def test_picking_a_campaign_segment_shows_who_it_matches(live_server, manager_page):
    page = manager_page
    page.goto(f"{live_server}/admin/campaigns/new")
    page.get_by_label("Segment").select_option(label="Wholesale buyers")
    expect(page.locator(".lg-matching")).to_contain_text("1 customer matches")

"""Screens a manager uses all day: 1024 px grid, 1366 px navbar, metrics that fold away."""

import pytest
from playwright.sync_api import expect

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from tests.factories import (
    PASSWORD,
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    PaymentMethodFactory,
    SuperuserFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def market_and_manager():
    market = MarketFactory(name="Athens Locally Grown")
    manager = AccountFactory(
        market=market,
        manager=True,
        first_name="Maria",
        last_name="Manager",
        email="maria.manager@athens-locally-grown.org",
        is_volunteer=True,
    )
    GrowerFactory(account=manager, name="Maria's Farm")
    PaymentMethodFactory(account=manager, brand="visa", last4="4242")
    db.session.add_all(
        Account(
            market_id=market.id,
            first_name="Alexandrina",
            last_name=f"Worthington-Smythe{n:02d}",
            email=f"alexandrina.worthington{n}@example-farm.org",
            balance_cents=-123456 if n % 3 else 987654,
            receives_mailings=n % 2 == 0,
        )
        for n in range(60)
    )
    db.session.commit()
    return market, manager


def sign_in(page, live_server, market, manager, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_grid_fits_1024_pixels_with_no_column_cut_off(market_and_manager, live_server, page):
    sign_in(page, live_server, *market_and_manager, 1024, 768)
    page.goto(f"{live_server}/admin/customers/")
    expect(page.locator(".lg-grid tbody tr")).to_have_count(50)
    box = page.locator(".lg-grid").evaluate(
        "t => ({table: t.scrollWidth, wrapper: t.parentElement.clientWidth,"
        " page: document.documentElement.scrollWidth})"
    )
    assert box["table"] <= box["wrapper"], box  # nothing hidden behind a scroll bar
    assert box["page"] <= 1024, box
    act_as = page.locator(".lg-grid .lg-act-as").first
    right = act_as.evaluate("b => b.getBoundingClientRect().right")
    assert right <= 1024


@pytest.mark.parametrize("who", ["manager", "superuser"])
def test_the_navbar_fits_one_line_at_1366_pixels(market_and_manager, live_server, page, who):
    market, manager = market_and_manager
    if who == "superuser":
        MarketFactory(name="Dacula Locally Grown Farmers Market")
        manager = SuperuserFactory(email="operations.staff@platform.example.org")
        market = type("NoMarket", (), {"slug": None})()
    page.set_viewport_size({"width": 1366, "height": 900})
    path = f"/m/{market.slug}/sign-in" if market.slug else "/sign-in"
    page.goto(f"{live_server}{path}")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/")
    height = page.locator("nav.navbar").evaluate("n => n.getBoundingClientRect().height")
    assert height < 70  # one line of links is 56 px; two are 96
    for menu, item in (("Logs", "Act-as log"), ("Market", "Market Settings")):
        page.locator("nav.navbar").get_by_role("link", name=menu, exact=True).click()
        expect(page.locator("nav.navbar").get_by_role("link", name=item)).to_be_visible()


def test_metrics_fold_away_and_stay_folded_so_25_rows_show(market_and_manager, live_server, page):
    sign_in(page, live_server, *market_and_manager, 1366, 900)
    page.goto(f"{live_server}/admin/customers/")
    toggle = page.get_by_role("button", name="Hide metrics")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".lg-weekly-chart")).to_be_visible()
    toggle.click()
    expect(page.locator(".lg-weekly-chart")).to_be_hidden()
    expect(page.get_by_role("button", name="Show metrics")).to_have_attribute(
        "aria-expanded", "false"
    )
    page.reload()
    expect(page.get_by_role("button", name="Show metrics")).to_be_visible()
    expect(page.locator(".lg-metric")).to_have_count(0)
    page.wait_for_timeout(300)  # the cards load after the rows; they must stay folded
    expect(page.locator(".lg-weekly-chart")).to_be_hidden()
    visible_rows = page.locator(".lg-grid tbody tr").evaluate_all(
        "rows => rows.filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert visible_rows >= 25
    page.get_by_role("button", name="Show metrics").click()
    expect(page.locator(".lg-weekly-chart")).to_be_visible()

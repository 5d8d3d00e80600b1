"""Every main screen loads without a script error or a blocked script (the CSP is strict)."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AccountFactory, MarketFactory, PaymentMethodFactory

pytestmark = pytest.mark.browser


def test_admin_screens_and_the_storefront_run_without_script_errors(live_server, page):
    market = MarketFactory(name="Clean Market", slug="clean", pickup_locations_enabled=True)
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market, first_name="Casey", email="casey@example.org")
    PaymentMethodFactory(account=customer)
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.goto(f"{live_server}/m/clean/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Active Shoppers")).to_be_visible()
    for path in (
        "/admin/customers/",
        "/admin/audit-log/",
        "/admin/act-as-log/",
        "/admin/mail-events/",
        f"/admin/customers/details/?id={customer.id}",
        "/admin/customers/import/",
        "/admin/customers/invitations/",
    ):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
    page.goto(f"{live_server}/admin/customers/")
    page.get_by_role("button", name="Add Customers").click()
    expect(page.locator("#lg-add-customers")).to_be_visible()
    page.locator("#lg-add-customers .close").click()
    expect(page.locator("#lg-add-customers")).to_be_hidden()
    page.locator(".lg-grid").get_by_role("link", name="Act as").first.click()
    expect(page.locator("#lg-act-as-modal")).to_be_visible()
    page.locator("#lg-act-as-modal").get_by_role("button", name="Act as customer").click()
    expect(page.locator(".lg-act-as-banner")).to_be_visible()
    for path in ("/m/clean/", "/m/clean/cart", "/m/clean/orders", "/m/clean/account"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
    assert not problems, "\n".join(problems)

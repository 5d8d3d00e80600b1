"""A manager downloads a customer's data and erases the customer, in a real browser."""

import zipfile

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AccountFactory, MarketFactory

pytestmark = pytest.mark.browser


def test_download_then_erase_from_the_details(live_server, page, tmp_path):
    market = MarketFactory(name="Privacy Market", slug="privacy")
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market, first_name="Casey", last_name="Moss")
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.goto(f"{live_server}/m/privacy/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/details/?id={customer.id}")

    page.get_by_text("Customer data (download and erasure)").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download customer data").click()
    download = download_info.value
    assert download.suggested_filename == f"customer-{customer.id}-data.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert f"customer-{customer.id}.html" in zipfile.ZipFile(saved).namelist()

    page.get_by_label("Type ERASE to confirm").fill("ERASE")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Erase customer").click()
    expect(page.locator(".lg-erased")).to_contain_text("Erased on")
    assert "Casey Moss" in dialogs[0]
    expect(page.get_by_role("button", name="Erase customer")).to_have_count(0)
    assert not problems, "\n".join(problems)

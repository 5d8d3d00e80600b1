"""Merge two demo duplicates in a real browser, from Possible duplicates to the kept account,
then download the kept account's data."""

import json
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.demo.merge import seed_duplicates
from lgadmin.extensions import db
from lgadmin.money import format_money
from tests.factories import PASSWORD, PASSWORD_HASH, AccountFactory, MarketFactory, ProductFactory

pytestmark = pytest.mark.browser


def _by_email(market, email) -> Account:
    return db.session.scalars(
        select(Account).where(Account.market_id == market.id, Account.email == email)
    ).one()


def test_manager_merges_two_demo_duplicates_then_downloads_the_kept_data(
    live_server, page, tmp_path
):
    market = MarketFactory(name="Athens Locally Grown", slug="athens")
    manager = AccountFactory(
        market=market, manager=True, first_name="Maria", last_name="Lopez", email="maria@ath.org"
    )
    products = [ProductFactory(grower__account__market=market, price_cents=450 + n) for n in (0, 1)]
    seed_duplicates(market, manager, products, PASSWORD_HASH)
    db.session.commit()
    rob = _by_email(market, "robert.smith+athens@gmail.com")
    robert = _by_email(market, "robert.smith@gmail.com")
    merged_balance = format_money(rob.balance_cents + robert.balance_cents, "USD")

    problems = []  # the CSP forbids inline script: a blocked one shows up here
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.goto(f"{live_server}/m/athens/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/")
    page.get_by_role("link", name="Possible duplicates").click()

    pair = page.locator(".lg-duplicate", has_text="Same email")
    expect(pair).to_contain_text("robert.smith+athens@gmail.com")
    pair.get_by_role("link", name="Rob Smith").click()
    expect(page.locator(".lg-details-header")).to_contain_text("Rob Smith")

    page.get_by_role("link", name="Merge into another customer").click()
    page.get_by_label("Search name or email").fill("robert.smith@gmail.com")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Keep Robert Smith").click()

    expect(page.locator(".lg-merge-direction")).to_contain_text(
        "Rob Smith (robert.smith+athens@gmail.com) will be merged into"
    )
    preview = page.locator(".lg-merge-preview")
    expect(preview.locator("tr", has_text="Orders")).to_contain_text("1")
    expect(preview.locator(".lg-merge-balance")).to_contain_text(merged_balance)
    expect(preview.locator("tr", has_text="Flags")).to_contain_text("Receives Mailings: No")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Merge").click()

    expect(page.get_by_role("alert")).to_contain_text("Merged Rob Smith into Robert Smith")
    expect(page.locator(".lg-details-header")).to_contain_text("Robert Smith")
    expect(page.locator(".lg-balance")).to_have_text(merged_balance)
    expect(page.locator("#comments")).to_contain_text(
        "Merged account of robert.smith+athens@gmail.com on"
    )
    expect(page.locator("#comments")).to_contain_text("by Maria Lopez")
    expect(page.locator("#orders")).to_contain_text("2 in all")
    expect(page.locator("#timeline")).to_contain_text(
        "Merged account of robert.smith+athens@gmail.com"
    )

    # Then the kept account's data, with what came over from the merged one.
    page.get_by_text("Customer data (download and erasure)").click()
    with page.expect_download() as download_info:
        page.locator(".lg-download-data").click()
    download = download_info.value
    assert download.suggested_filename == f"customer-{robert.id}-data.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read(f"customer-{robert.id}.json"))
        summary = archive.read(f"customer-{robert.id}.html").decode()
    assert data["profile"]["email"] == "robert.smith@gmail.com"
    assert data["profile"]["balance"]["amount"] == merged_balance.lstrip("$")
    assert len(data["orders"]) == 2
    assert [m["merged_account_id"] for m in data["merges"]] == [rob.id]
    assert any("Merged account of" in c["text"] for c in data["comments"])
    assert "Merged accounts" in summary
    page.reload()
    expect(page.locator("#timeline")).to_contain_text("Customer data downloaded")
    assert not problems, "\n".join(problems)

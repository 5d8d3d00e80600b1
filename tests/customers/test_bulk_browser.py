"""Bulk actions from the customer grid in a real browser: select, confirm with the count, done."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.groups.models import CustomerGroup
from tests.accounts.helpers import fresh
from tests.factories import PASSWORD, AccountFactory, MarketFactory

pytestmark = pytest.mark.browser


def test_select_rows_mark_them_inactive_after_a_confirmation_naming_the_count(live_server, page):
    market = MarketFactory(name="Bulk Market", slug="bulk")
    manager = AccountFactory(market=market, manager=True, last_name="Zimmer")
    chosen = [AccountFactory(market=market, last_name=f"Able{n}") for n in range(3)]
    left = AccountFactory(market=market, last_name="Baker")
    problems, dialogs = [], []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(f"{live_server}/m/bulk/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/?search=able")
    expect(page.locator(".lg-selected-count")).to_have_text("0 selected")

    page.get_by_label("Select all customers on this page").check()
    expect(page.locator(".lg-selected-count")).to_have_text("3 selected")
    page.get_by_label(f"Select {chosen[0].first_name} {chosen[0].last_name}").uncheck()
    expect(page.locator(".lg-selected-count")).to_have_text("2 selected")
    expect(page.get_by_label("Select all customers on this page")).not_to_be_checked()
    page.get_by_label(f"Select {chosen[0].first_name} {chosen[0].last_name}").check()

    page.get_by_role("button", name="With selected").click()
    page.get_by_role("button", name="Mark inactive").click()
    expect(page.get_by_text("3 customers marked inactive.")).to_be_visible()
    assert dialogs == ["Mark 3 customers inactive?"]
    assert "search=able" in page.url
    assert page.locator("tr.lg-inactive").count() == 3
    assert [fresh(Account, a.id).active for a in chosen] == [False, False, False]
    assert fresh(Account, left.id).active
    assert not problems, "\n".join(problems)


def test_dismissing_the_confirmation_changes_nothing(live_server, page):
    market = MarketFactory(name="Careful Market", slug="careful")
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market, last_name="Keep")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.goto(f"{live_server}/m/careful/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/?search=keep")
    page.get_by_label(f"Select {customer.first_name} {customer.last_name}").check()
    page.get_by_role("button", name="With selected").click()
    page.get_by_role("button", name="Turn off mailings").click()
    assert dialogs == ["Turn off mailings for 1 customer?"]
    expect(page.locator(".lg-selected-count")).to_have_text("1 selected")
    assert fresh(Account, customer.id).receives_mailings


def test_add_to_group_takes_a_second_step_that_names_the_count(live_server, page):
    market = MarketFactory(name="Group Market", slug="grouped")
    manager = AccountFactory(market=market, manager=True)
    chosen = [AccountFactory(market=market, last_name=f"Able{n}") for n in range(2)]
    wholesale = CustomerGroup(market_id=market.id, name="Wholesale", discount_percent=Decimal(5))
    db.session.add(wholesale)
    db.session.commit()
    problems, dialogs = [], []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(f"{live_server}/m/grouped/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/?search=able")
    page.get_by_label("Select all customers on this page").check()
    page.get_by_role("button", name="With selected").click()
    page.get_by_role("button", name="Add to group").click()
    expect(page.locator(".lg-bulk-count")).to_contain_text("Add 2 customers to a customer group.")
    page.get_by_label("Customer group").select_option(label="Wholesale (5 % off)")
    page.get_by_role("button", name="Add 2 customers to group").click()
    expect(page.get_by_text("2 customers added to Wholesale.")).to_be_visible()
    assert dialogs == ["Add 2 customers to a group?", "Add 2 customers to the chosen group?"]
    assert "search=able" in page.url
    assert [fresh(Account, a.id).customer_group_id for a in chosen] == [wholesale.id] * 2
    assert not problems, "\n".join(problems)

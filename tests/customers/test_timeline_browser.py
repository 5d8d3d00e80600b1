"""A manager reads a customer's timeline from the details page and narrows it to one kind."""

import pytest
from playwright.sync_api import expect

from lgadmin.balance.service import adjust_balance
from lgadmin.extensions import db
from tests.factories import PASSWORD, AccountFactory, MarketFactory

pytestmark = pytest.mark.browser


def test_the_timeline_card_leads_to_the_full_timeline_and_its_filter(live_server, page):
    market = MarketFactory(name="Timeline Market", slug="timeline")
    manager = AccountFactory(market=market, manager=True, first_name="Jane", last_name="Manager")
    customer = AccountFactory(market=market, first_name="Casey", created_by=manager)
    adjust_balance(customer.market, customer.id, 500, "correction", "refund", manager)
    db.session.commit()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    page.goto(f"{live_server}/m/timeline/sign-in")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/admin/customers/details/?id={customer.id}")
    card = page.locator("#timeline")
    expect(card).to_contain_text("Balance adjusted +$5.00 by Jane Manager: refund")
    expect(card).to_contain_text("Account created by Jane Manager")
    card.get_by_role("link", name="Full timeline").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    page.get_by_label("Show").select_option(label="Balance")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator(".lg-timeline-text")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_text("Balance adjusted +$5.00 by Jane Manager: refund")
    assert not problems, "\n".join(problems)

"""The grid's total is the market's kept customer count: exact after every way accounts come
and go, never another market's, never moved by a transaction that was rolled back."""

import re

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.customers.service import delete_account
from lgadmin.extensions import db
from lgadmin.merge.service import merge_accounts
from lgadmin.onboarding.csv_import import carry_out_import, create_preview
from lgadmin.onboarding.service import create_customer
from lgadmin.privacy.service import erase_customer
from tests.conftest import counting_statements
from tests.factories import AccountFactory
from tests.onboarding.helpers import post_form

GRID = "/admin/customers/"


def shown_count(client, query: str = "") -> str:
    html = client.get(GRID + query).get_data(as_text=True)
    return re.search(r'class="mr-3 lg-count" data-count="(\d+)">\s*<strong>([^<]+)<', html).groups()


def real_count(market) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Account.id)).where(Account.market_id == market.id))


def assert_grid_shows_the_real_count(client, market):
    count = real_count(market)
    assert shown_count(client) == (str(count), f"{count:,}")


def test_the_count_follows_adding_importing_closing_merging_erasing_and_deleting(
    market, manager, manager_client, other_market
):
    AccountFactory.create_batch(3, market=market)
    AccountFactory.create_batch(2, market=other_market)
    db.session.commit()
    assert_grid_shows_the_real_count(manager_client, market)  # the manager and three

    post_form(
        manager_client,
        GRID,
        {"first_name": "Nia", "last_name": "New", "email": "nia@example.org"},
        post_path="/admin/customers/add",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    create_customer(manager, market, {"first_name": "S", "last_name": "Svc", "email": "s@x.org"},
                    source="test")  # fmt: skip
    preview = create_preview(
        manager, market, b"first name,last name,email\nC,One,c1@x.org\nC,Two,c2@x.org\n", "c.csv"
    )
    assert carry_out_import(manager, market, preview)
    assert_grid_shows_the_real_count(manager_client, market)
    assert real_count(market) == 4 + 1 + 1 + 2

    source, target = AccountFactory.create_batch(2, market=market)
    db.session.commit()
    target.active = False  # closed: still a customer of the market
    db.session.commit()
    assert_grid_shows_the_real_count(manager_client, market)
    target.active = True
    merge_accounts(manager, market, source, target)
    db.session.commit()
    assert_grid_shows_the_real_count(manager_client, market)

    erased = AccountFactory(market=market)
    db.session.commit()
    erase_customer(manager, market, erased)
    db.session.commit()
    assert_grid_shows_the_real_count(manager_client, market)

    doomed = AccountFactory(market=market, active=False)
    db.session.commit()
    delete_account(doomed, manager)
    db.session.commit()
    assert_grid_shows_the_real_count(manager_client, market)
    assert real_count(market) == 4 + 4 + 2 + 1
    # The other market kept its own.
    assert other_market.customer_count == 2


def test_a_rolled_back_change_leaves_the_count_as_it_was(market, manager, manager_client):
    AccountFactory.create_batch(2, market=market)
    before = shown_count(manager_client)
    for n in range(5):
        db.session.add(Account(market=market, email=f"gone{n}@x.org", first_name="G"))
    db.session.flush()
    db.session.rollback()
    assert shown_count(manager_client) == before == ("3", "3")
    doomed = AccountFactory(market=market)
    db.session.delete(doomed)
    db.session.flush()
    db.session.rollback()
    assert_grid_shows_the_real_count(manager_client, market)
    assert shown_count(manager_client) == ("4", "4")


def test_an_account_added_and_deleted_in_one_transaction_leaves_it_alone(market, manager):
    account = Account(market=market, email="brief@x.org", first_name="B")
    db.session.add(account)
    db.session.flush()
    db.session.delete(account)
    db.session.commit()
    db.session.expire_all()
    assert market.customer_count == real_count(market) == 1


def test_the_unfiltered_grid_does_not_count_the_market(market, app, manager_client):
    AccountFactory.create_batch(3, market=market)
    db.session.commit()
    with counting_statements() as statements:
        manager_client.get(GRID)
    assert not [s for s in statements if "count(" in s.lower()]


@pytest.mark.parametrize("query", ["?status=active", "?type=guest", "?search=zz"])
def test_filters_count_what_they_show_capped(market, manager_client, query):
    AccountFactory.create_batch(2, market=market, active=False, first_name="Zz")
    db.session.commit()
    count, label = shown_count(manager_client, query)
    rows = manager_client.get(GRID + query).get_data(as_text=True).count('<tr data-id="')
    assert int(count) == rows and label == str(rows)

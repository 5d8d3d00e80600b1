"""An erased or merged-away account is closed for good: its page reads, nothing changes it."""

import html

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.balance.models import LedgerEntry
from lgadmin.extensions import db
from lgadmin.merge.service import merge_accounts
from lgadmin.privacy.service import erase_customer
from tests.accounts.helpers import details, post
from tests.factories import AccountFactory

ACTIONS = ("Edit Customer Info", "Update Special Info", "Adjust Balance", "Merge into another")


@pytest.fixture(params=["erased", "merged"])
def closed(request, market, manager):
    customer = AccountFactory(market=market, first_name="Robin", last_name="Hood")
    if request.param == "erased":
        erase_customer(manager, market, customer)
    else:
        merge_accounts(manager, market, customer, AccountFactory(market=market))
    db.session.commit()
    return customer


def test_an_open_account_offers_the_actions(market, manager, signed_in):
    page = details(signed_in(manager), AccountFactory(market=market))
    assert all(action in page for action in ACTIONS)


def test_a_closed_accounts_page_reads_but_offers_no_action(manager, closed, signed_in):
    page = details(signed_in(manager), closed)
    assert [action for action in ACTIONS if action in page] == []
    assert "Download customer data" in page


def test_a_closed_account_cannot_be_reactivated_or_given_money(manager, closed, signed_in):
    client = signed_in(manager)
    version = db.session.get(Account, closed.id).version
    flags = {"active": "y", "line_position": "first_come", "version": str(version)}
    refused = post(client, closed, "special-info", flags)
    assert refused.status_code == 409
    message = html.unescape(refused.get_data(as_text=True))
    assert "can't be changed any more" in message or "change the account that was kept" in message
    money = post(client, closed, "adjust-balance", {"amount": "5.00", "reason": "payment"})
    assert money.status_code in (302, 400)
    db.session.expire_all()
    account = db.session.get(Account, closed.id)
    assert not account.active
    assert account.balance_cents == 0
    ledger = select(func.count()).where(LedgerEntry.account_id == closed.id)
    assert db.session.scalar(ledger) == 0


def test_bulk_mark_active_skips_closed_accounts_and_says_why(market, manager, closed):
    from lgadmin.customers.bulk import apply_bulk

    result = apply_bulk(manager, market, "mark_active", [str(closed.id)])
    db.session.commit()
    assert result.changed == []
    assert closed.id in result.skipped
    assert not db.session.get(Account, closed.id).active

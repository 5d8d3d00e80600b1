from datetime import date, timedelta

import pytest

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.membership.service import (
    MembershipError,
    add_months,
    membership_status,
    update_membership,
)
from lgadmin.timeutil import market_today
from tests.factories import AccountFactory, GrowerFactory


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), -12, date(2025, 1, 15)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
    ],
)
def test_month_arithmetic_clamps_to_the_end_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_adding_to_a_current_membership_extends_it():
    manager = AccountFactory(manager=True)
    expiry = market_today(manager.market) + timedelta(days=40)
    account = AccountFactory(market=manager.market, membership_expires_on=expiry)
    assert update_membership(account, manager, change="add_year") == add_months(expiry, 12)


def test_adding_to_an_expired_membership_starts_from_today():
    manager = AccountFactory(manager=True)
    account = AccountFactory(
        market=manager.market,
        membership_expires_on=market_today(manager.market) - timedelta(days=100),
    )
    today = market_today(manager.market)
    assert update_membership(account, manager, change="add_month") == add_months(today, 1)


def test_removing_time_and_setting_a_date():
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market, membership_expires_on=date(2027, 3, 31))
    assert update_membership(account, manager, change="remove_month") == date(2027, 2, 28)
    assert update_membership(account, manager, expires_on=date(2030, 1, 1)) == date(2030, 1, 1)
    with pytest.raises(MembershipError):
        update_membership(AccountFactory(market=manager.market), manager, change="remove_year")
    with pytest.raises(MembershipError):
        update_membership(account, manager)


def test_each_change_is_recorded_with_who_before_and_after():
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market, membership_expires_on=date(2099, 1, 31))
    update_membership(account, manager, change="add_month")
    db.session.commit()
    entry = db.session.query(AuditEntry).filter_by(action="membership.updated").one()
    assert entry.actor_id == manager.id and entry.market_id == manager.market_id
    assert entry.details["before"] == "2099-01-31" and entry.details["after"] == "2099-02-28"


def test_status_shows_expiry_trials_or_not_required():
    market_manager = AccountFactory(manager=True)
    assert membership_status(market_manager).summary == "Not required (market manager)"
    grower = GrowerFactory().account
    assert membership_status(grower).summary == "Not required (approved grower)"
    member = AccountFactory(membership_expires_on=date(2099, 5, 1))
    assert membership_status(member).summary == "Member until 5/1/2099"
    trial = AccountFactory(trial_orders_left=2)
    assert membership_status(trial).summary == "Not a member · 2 trial orders remaining"
    lapsed = AccountFactory(membership_expires_on=date(2020, 1, 2), trial_orders_left=1)
    assert membership_status(lapsed).summary == ("Expired on 1/2/2020 · 1 trial order remaining")

"""A manager turns mail (and the account) back on; the comment says who and what."""

from datetime import datetime

from sqlalchemy import select

from lgadmin.accounts.models import Comment
from lgadmin.audit.models import AuditEntry
from lgadmin.deliverability.sends import may_receive
from lgadmin.deliverability.service import note_reenabled
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory


def _frozen_label(monkeypatch, at=datetime(2026, 6, 2, 13, 5)):
    """The service's clock at 13:05 UTC on June 2 (9:05 AM in New York)."""
    monkeypatch.setattr("lgadmin.deliverability.service.utcnow", lambda: at)


def test_reenabling_mailings_after_a_hard_bounce_clears_the_bounce(monkeypatch):
    _frozen_label(monkeypatch)
    shopper = AccountFactory(receives_mailings=False, email_bounced_at=utcnow())
    manager = AccountFactory(
        market=shopper.market, manager=True, first_name="Maria", last_name="Lopez"
    )
    body = note_reenabled(shopper, manager, mailings=True, account_active=False)
    db.session.commit()
    assert body == "Receives Mailings re-enabled on 6/2/2026, 9:05 AM by Maria Lopez."
    assert shopper.receives_mailings and shopper.email_bounced_at is None
    assert may_receive(shopper, bulk=True) and may_receive(shopper, bulk=False)
    assert db.session.scalars(select(Comment.body)).all() == [body]
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "mail.reenabled",
        manager.id,
        shopper.id,
    )


def test_reenabling_after_a_complaint_names_both_the_account_and_mailings(monkeypatch):
    _frozen_label(monkeypatch)
    shopper = AccountFactory(receives_mailings=False, active=False)
    manager = AccountFactory(
        market=shopper.market, manager=True, first_name="Maria", last_name="Lopez"
    )
    body = note_reenabled(shopper, manager, mailings=True, account_active=True)
    assert body == (
        "Active Account and Receives Mailings re-enabled on 6/2/2026, 9:05 AM by Maria Lopez."
    )
    assert shopper.active and shopper.receives_mailings


def test_nothing_turned_on_adds_no_comment():
    shopper = AccountFactory()
    manager = AccountFactory(market=shopper.market, manager=True)
    assert note_reenabled(shopper, manager, mailings=False, account_active=False) is None
    db.session.commit()
    assert db.session.scalars(select(Comment)).all() == []


def test_reenable_comment_is_dated_in_the_market_time_zone(monkeypatch):
    _frozen_label(monkeypatch, datetime(2026, 6, 1, 21, 5))
    shopper = AccountFactory(receives_mailings=False, email_bounced_at=utcnow())
    shopper.market.timezone = "Pacific/Auckland"
    manager = AccountFactory(market=shopper.market, manager=True, first_name="", last_name="")
    body = note_reenabled(shopper, manager, mailings=True, account_active=False)
    # Without a name, the manager's email says who it was.
    assert body == f"Receives Mailings re-enabled on 6/2/2026, 9:05 AM by {manager.email}."

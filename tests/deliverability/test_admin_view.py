"""Mail Events in the admin: the market's events, filterable; unmatched ones for superusers."""

import pytest

from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, MarketFactory, SuperuserFactory

LIST = "/admin/mail-events/"


def _event(market, kind, email, account=None, reason=""):
    event = MailEvent(
        provider="mailgun",
        provider_event_id=f"{kind}:{email}",
        kind=kind,
        email=email,
        reason=reason,
        market_id=market.id if market else None,
        account_id=account.id if account else None,
        received_at=utcnow(),
        processed_at=utcnow(),
        raw="{}",
    )
    db.session.add(event)
    db.session.commit()
    return event


@pytest.fixture
def events():
    own, other = MarketFactory(name="Own Market"), MarketFactory(name="Other Market")
    shopper = AccountFactory(market=own, first_name="Ann", last_name="Lee", email="ann@a.org")
    bounce = _event(own, MailEventKind.HARD_BOUNCE, "ann@a.org", shopper, "mailbox full")
    _event(own, MailEventKind.OTHER, "delivered@a.org")
    foreign = _event(other, MailEventKind.SPAM_COMPLAINT, "stranger@b.org")
    _event(None, MailEventKind.UNSUBSCRIBE, "unmatched@c.org")
    return own, bounce, foreign


def test_manager_sees_the_market_events_with_kind_address_customer_and_reason(events, signed_in):
    own, bounce, foreign = events
    client = signed_in(AccountFactory(market=own, manager=True))
    page = client.get(LIST).get_data(as_text=True)
    assert "Hard bounce" in page and "ann@a.org" in page and "Ann Lee" in page
    assert "mailbox full" in page and "delivered@a.org" in page
    assert "stranger@b.org" not in page and "unmatched@c.org" not in page


def test_events_filter_by_kind(events, signed_in):
    own = events[0]
    client = signed_in(AccountFactory(market=own, manager=True))
    page = client.get(LIST).get_data(as_text=True)
    assert "Kind" in page
    only_bounces = client.get(f"{LIST}?flt1_0=hard_bounce").get_data(as_text=True)
    assert "ann@a.org" in only_bounces and "delivered@a.org" not in only_bounces
    nonsense = client.get(f"{LIST}?flt1_0=<b>nonsense</b>")
    assert nonsense.status_code == 200 and "delivered@a.org" in nonsense.get_data(as_text=True)


def test_another_markets_event_is_not_found(events, signed_in):
    own, bounce, foreign = events
    client = signed_in(AccountFactory(market=own, manager=True))
    assert client.get(f"{LIST}details/?id={bounce.id}").status_code == 200
    assert client.get(f"{LIST}details/?id={foreign.id}").status_code == 404


def test_the_view_is_read_only(events, signed_in):
    own, bounce, _ = events
    client = signed_in(AccountFactory(market=own, manager=True))
    assert client.get(f"{LIST}new/").status_code in (302, 403, 404)
    assert client.get(f"{LIST}edit/?id={bounce.id}").status_code in (302, 403, 404)


def test_superuser_also_sees_unmatched_events(events, signed_in):
    client = signed_in(SuperuserFactory())
    page = client.get(LIST).get_data(as_text=True)
    assert "unmatched@c.org" in page


def test_shoppers_cannot_open_mail_events(events, signed_in):
    client = signed_in(AccountFactory(market=events[0]))
    assert client.get(LIST).status_code == 403


def test_html_in_an_event_is_shown_as_text(signed_in):
    market = MarketFactory()
    shopper = AccountFactory(market=market, first_name="<i>Ann</i>", email="x@a.org")
    _event(market, MailEventKind.HARD_BOUNCE, "x@a.org", shopper, "<script>alert(1)</script>")
    page = signed_in(AccountFactory(market=market, manager=True)).get(LIST).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;i&gt;Ann&lt;/i&gt;" in page


def test_each_event_says_whether_it_was_applied_and_if_not_why(events, signed_in):
    own = events[0]
    waiting = _event(own, MailEventKind.SPAM_COMPLAINT, "later@a.org")
    waiting.processed_at = None
    unmatched = _event(own, MailEventKind.HARD_BOUNCE, "gone@a.org")
    unmatched.not_applied_because = "No account of this market has this address."
    db.session.commit()
    page = signed_in(AccountFactory(market=own, manager=True)).get(LIST).get_data(as_text=True)
    assert "Applied" in page and "Waiting" in page
    assert "Not applied: No account of this market has this address." in page

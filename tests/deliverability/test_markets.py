"""A report is recorded once per market it applies in, and each market sees only its own
customer: Mail Events, the customer's timeline and the dashboard's bounce warning."""

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.deliverability import provider_examples as examples
from tests.deliverability.payloads import post_postmark
from tests.factories import AccountFactory, MarketFactory

LIST = "/admin/mail-events/"
WARNING = 'data-warning="hard-bounces"'


@pytest.fixture
def two_markets(app, monkeypatch):
    # One bounce is enough for the warning, so each market's warning shows whether it counts.
    monkeypatch.setitem(app.config, "LGADMIN_BOUNCE_ALERT_COUNT", 1)
    monkeypatch.setitem(app.config, "LGADMIN_BOUNCE_ALERT_RATE", 0.0)
    athens, decatur = MarketFactory(name="Athens"), MarketFactory(name="Decatur")
    in_athens = AccountFactory(
        market=athens, first_name="Pat", last_name="Athenian", email="pat@example.org"
    )
    in_decatur = AccountFactory(
        market=decatur, first_name="Pat", last_name="Decaturite", email="pat@example.org"
    )
    return athens, decatur, in_athens, in_decatur


def _events() -> list[MailEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(MailEvent).order_by(MailEvent.id)))


def _bounced(account) -> bool:
    db.session.expire_all()
    return db.session.get(Account, account.id).email_bounced_at is not None


def test_a_bounce_for_an_address_in_two_markets_is_recorded_once_per_market(
    client, signed_in, two_markets
):
    athens, decatur, in_athens, in_decatur = two_markets
    # Postmark's published bounce example, with no lgadmin metadata (sent by another system).
    bounce = examples.postmark(examples.POSTMARK_BOUNCE, "pat@example.org")
    assert post_postmark(client, bounce).json == {"stored": 1, "duplicates": 0}
    assert _bounced(in_athens) and _bounced(in_decatur)
    events = _events()
    assert sorted((e.market_id, e.account_id) for e in events) == sorted(
        [(athens.id, in_athens.id), (decatur.id, in_decatur.id)]
    )
    assert {e.kind for e in events} == {MailEventKind.HARD_BOUNCE}

    for market, own, other in ((athens, in_athens, in_decatur), (decatur, in_decatur, in_athens)):
        manager = signed_in(AccountFactory(market=market, manager=True))
        page = manager.get(LIST).get_data(as_text=True)
        assert "pat@example.org" in page and "Hard bounce" in page
        assert own.last_name in page and other.last_name not in page
        assert f'href="/admin/customers/details/?id={own.id}"' in page
        dashboard = manager.get("/admin/").get_data(as_text=True)
        assert WARNING in dashboard and "1 hard bounces in the last 24 hours" in dashboard

    # The provider delivers it again: still one record per market.
    assert post_postmark(client, bounce).json == {"stored": 0, "duplicates": 1}
    assert len(_events()) == 2


def test_an_event_of_one_market_never_names_another_markets_customer(
    client, signed_in, two_markets
):
    athens, decatur, in_athens, in_decatur = two_markets
    # Athens's mail bounced, but Athens's customer has since changed address; the address
    # still belongs to a customer of Decatur.
    moved = AccountFactory(market=athens, first_name="Old", last_name="Address")
    meta = {"lgadmin-market": str(athens.id), "lgadmin-account": str(moved.id)}
    in_athens.email = "pat.new@example.org"
    db.session.commit()
    bounce = examples.postmark(examples.POSTMARK_BOUNCE, "pat@example.org", meta)
    assert post_postmark(client, bounce).status_code == 200

    athens_page = signed_in(AccountFactory(market=athens, manager=True)).get(LIST)
    athens_page = athens_page.get_data(as_text=True)
    assert "pat@example.org" in athens_page
    assert "Decaturite" not in athens_page
    assert "Not applied: No account of this market has this address." in athens_page
    decatur_page = signed_in(AccountFactory(market=decatur, manager=True)).get(LIST)
    assert "Decaturite" in decatur_page.get_data(as_text=True)
    assert _bounced(in_decatur) and not _bounced(in_athens)


def test_a_stored_event_whose_account_is_of_another_market_shows_no_name(signed_in, two_markets):
    athens, decatur, in_athens, in_decatur = two_markets
    db.session.add(
        MailEvent(
            provider="postmark",
            provider_event_id="bounce:1",
            kind=MailEventKind.HARD_BOUNCE,
            email="pat@example.org",
            market_id=athens.id,
            account_id=in_decatur.id,
            received_at=utcnow(),
            processed_at=utcnow(),
            raw="{}",
        )
    )
    db.session.commit()
    page = signed_in(AccountFactory(market=athens, manager=True)).get(LIST)
    page = page.get_data(as_text=True)
    assert "pat@example.org" in page and "Decaturite" not in page
    details = signed_in(AccountFactory(market=athens, manager=True)).get(
        f"{LIST}details/?id={_events()[0].id}"
    )
    assert details.status_code == 200 and "Decaturite" not in details.get_data(as_text=True)

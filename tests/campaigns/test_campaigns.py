"""Email campaigns to a segment: Receives Mailings respected, rq jobs, summary and record."""

import email
import email.policy
import re
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from lgadmin.campaigns.models import Campaign, CampaignRecipient, RecipientStatus
from lgadmin.campaigns.service import send_campaign
from lgadmin.extensions import db
from lgadmin.jobs import queue
from lgadmin.segments.models import Segment
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory
from tests.insight import order


@pytest.fixture
def regulars(market):
    """Three customers with 2+ orders: one receives mailings, one opted out, one bounced."""
    people = {
        "yes@x.org": {},
        "optedout@x.org": {"receives_mailings": False},
        "bounced@x.org": {"receives_mailings": False, "email_bounced_at": utcnow()},
    }
    for address, flags in people.items():
        shopper = AccountFactory(market=market, email=address, first_name="Ana", **flags)
        order(shopper, 1000)
        order(shopper, 1000)
    AccountFactory(market=market, email="once@x.org")
    segment = Segment(market_id=market.id, name="Regulars", criteria={"orders_more_than": "1"})
    db.session.add(segment)
    db.session.commit()
    return segment


def outbox_messages(app, since: set) -> list:
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    paths = set(outbox.glob("*.eml")) - since if outbox.exists() else set()
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def outbox_files(app) -> set:
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    return set(outbox.glob("*.eml")) if outbox.exists() else set()


def send_through_the_page(client, segment, subject, message):
    page = client.get(f"/admin/campaigns/new?segment={segment.id}").get_data(as_text=True)
    return client.post(
        "/admin/campaigns/new",
        data={
            "csrf_token": csrf_token_from(page),
            "segment": segment.id,
            "subject": subject,
            "message": message,
        },
    )


def test_a_campaign_goes_only_to_customers_with_receives_mailings_on(app, manager_client, regulars):
    before = outbox_files(app)
    response = send_through_the_page(
        manager_client, regulars, "Strawberries are in", "Come <b>early</b>!"
    )
    assert response.status_code == 302
    sent = outbox_messages(app, before)
    assert [m["To"] for m in sent] == ["yes@x.org"]
    assert sent[0]["Subject"] == "Strawberries are in"
    body = sent[0].get_body(("plain",)).get_content()
    assert "Hello Ana" in body and "Come <b>early</b>!" in body and "Athens Locally Grown" in body
    summary = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    counts = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', summary))
    assert counts == {"sent": "1", "skipped": "2", "failed": "0", "queued": "0", "total": "3"}
    assert "Receives Mailings is off." in summary and "Hard bounce" in summary
    assert "Come &lt;b&gt;early&lt;/b&gt;!" in summary  # HTML shown as text
    assert "Finished" in summary


def test_the_campaign_records_who_was_sent_what_and_when(
    app, manager, market, regulars, monkeypatch
):
    # Sent outside a request, as a CLI or a job would: links need the configured address.
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://market.example.org")
    campaign = send_campaign(manager, market, regulars, "News", "Hello all")
    db.session.expire_all()
    assert (campaign.sent_by_id, campaign.segment_name, campaign.recipient_count) == (
        manager.id,
        "Regulars",
        3,
    )
    assert campaign.finished_at is not None and campaign.subject == "News"
    rows = {r.email: r for r in db.session.scalars(select(CampaignRecipient))}
    assert rows["yes@x.org"].status == RecipientStatus.SENT and rows["yes@x.org"].sent_at
    assert rows["optedout@x.org"].status == RecipientStatus.SKIPPED
    assert rows["optedout@x.org"].sent_at is None


def test_a_campaign_to_a_segment_that_matches_nobody_sends_nothing(app, manager_client, market):
    segment = Segment(market_id=market.id, name="Nobody", criteria={"orders_more_than": "100"})
    db.session.add(segment)
    db.session.commit()
    before = outbox_files(app)
    response = send_through_the_page(manager_client, segment, "Hello", "Anyone?")
    assert response.status_code == 302
    assert outbox_messages(app, before) == []
    summary = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The segment matches nobody today: nothing was sent." in summary
    assert 'data-count="total">0<' in summary
    assert db.session.scalar(select(Campaign)).recipient_count == 0


def test_a_campaign_without_subject_or_message_is_refused_and_nothing_is_lost(
    app, manager_client, regulars
):
    before = outbox_files(app)
    response = send_through_the_page(manager_client, regulars, "  ", "Keep this text")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Write a subject." in html
    assert ">Keep this text</textarea>" in html
    assert outbox_messages(app, before) == [] and db.session.scalar(select(Campaign)) is None


def test_campaigns_are_per_market(app, manager_client, regulars, signed_in, manager, market):
    campaign = send_campaign(manager, market, regulars, "News", "Hello")
    other = signed_in(AccountFactory(market=MarketFactory(), manager=True))
    assert other.get(f"/admin/campaigns/{campaign.id}/").status_code == 404
    assert "News" not in other.get("/admin/campaigns/").get_data(as_text=True)
    page = other.get("/admin/campaigns/new").get_data(as_text=True)
    response = other.post(
        "/admin/campaigns/new",
        data={
            "csrf_token": csrf_token_from(page),
            "segment": regulars.id,
            "subject": "x",
            "message": "y",
        },
    )
    assert response.status_code == 404
    assert "News" in manager_client.get("/admin/campaigns/").get_data(as_text=True)


def test_with_redis_a_real_worker_sends_the_campaign(
    app, monkeypatch, redis_url, manager, market, regulars
):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-test-campaigns")
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://market.example.org")
    q = queue()
    q.empty()
    before = outbox_files(app)
    campaign = send_campaign(manager, market, regulars, "Queued news", "Hello")
    assert outbox_messages(app, before) == []  # nothing sent by the request itself
    db.session.expire_all()
    assert campaign.finished_at is None
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert [m["To"] for m in outbox_messages(app, before)] == ["yes@x.org"]
    db.session.expire_all()
    assert campaign.finished_at is not None

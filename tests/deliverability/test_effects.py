"""What each delivery report does to the customer's account, with the comments of spec 000."""

from sqlalchemy import select

from lgadmin.accounts.models import Account, Comment
from lgadmin.audit.models import AuditEntry
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from tests.deliverability.payloads import (
    mailgun_body,
    mailgun_event,
    metadata,
    post_mailgun,
    post_postmark,
    postmark_bounce,
    postmark_spam_complaint,
    postmark_subscription_change,
)
from tests.factories import AccountFactory, MarketFactory


def _reload(account) -> Account:
    db.session.expire_all()
    return db.session.get(Account, account.id)


def _comments(account) -> list[str]:
    db.session.expire_all()
    query = select(Comment.body).where(Comment.account_id == account.id).order_by(Comment.id)
    return list(db.session.scalars(query))


def test_hard_bounce_turns_off_mailings_but_keeps_account_active(client):
    shopper = AccountFactory(email="ann@example.org")
    response = post_postmark(client, postmark_bounce("ann@example.org", meta=metadata(shopper)))
    assert response.status_code == 200
    shopper = _reload(shopper)
    assert shopper.receives_mailings is False
    assert shopper.active is True
    assert shopper.email_bounced_at is not None
    # BouncedAt 18:14 UTC is 2:14 PM in New York (EDT) on May 31.
    assert _comments(shopper) == [
        "Hard bounce on 5/31/2026, 2:14 PM. Disabling email notifications. Reason: mailbox full."
    ]


def test_hard_bounce_comment_uses_the_market_time_zone(client):
    market = MarketFactory(timezone="America/Los_Angeles")
    shopper = AccountFactory(market=market)
    post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper)))
    assert _comments(shopper)[0].startswith("Hard bounce on 5/31/2026, 11:14 AM.")


def test_spam_complaint_turns_off_mailings_and_deactivates_the_account(client):
    shopper = AccountFactory()
    post_postmark(client, postmark_spam_complaint(shopper.email, meta=metadata(shopper)))
    shopper = _reload(shopper)
    assert (shopper.receives_mailings, shopper.active) == (False, False)
    assert shopper.email_bounced_at is None
    assert _comments(shopper) == ["Spam complaint on 6/1/2026, 9:05 AM. Deactivating account."]


def test_postmark_unsubscribe_turns_off_mailings_and_deactivates_the_account(client):
    shopper = AccountFactory()
    post_postmark(client, postmark_subscription_change(shopper.email, meta=metadata(shopper)))
    shopper = _reload(shopper)
    assert (shopper.receives_mailings, shopper.active) == (False, False)
    assert _comments(shopper) == ["Unsubscribed on 6/1/2026, 5:00 AM. Deactivating account."]


def test_mailgun_permanent_failure_complaint_and_unsubscribe(client):
    bounced, complained, unsubscribed = AccountFactory.create_batch(3)
    post_mailgun(client, mailgun_body(mailgun_event(bounced.email, meta=metadata(bounced))))
    post_mailgun(client, mailgun_body(mailgun_event(complained.email, "complained")))
    post_mailgun(
        client,
        mailgun_body(
            mailgun_event(unsubscribed.email, "unsubscribed", meta=metadata(unsubscribed))
        ),
    )
    assert _reload(bounced).receives_mailings is False and _reload(bounced).active is True
    assert "Reason: mailbox full." in _comments(bounced)[0]
    assert _comments(unsubscribed)[0].startswith("Unsubscribed on ")
    # A complaint with no market to tell it by changes no account: it waits for a superuser.
    assert _reload(complained).active is True and _comments(complained) == []
    event = db.session.scalars(
        select(MailEvent).where(MailEvent.kind == MailEventKind.SPAM_COMPLAINT)
    ).one()
    assert event.market_id is None and event.account_id is None and event.processed_at


def test_soft_bounces_deliveries_and_temporary_failures_are_stored_and_ignored(client):
    shopper = AccountFactory()
    soft = postmark_bounce(
        shopper.email, type_="SoftBounce", details="421 4.4.2 timed out", meta=metadata(shopper)
    )
    assert post_postmark(client, soft).status_code == 200
    delivered = {
        "RecordType": "Delivery",
        "MessageID": "a1",
        "Recipient": shopper.email,
        "DeliveredAt": "2026-05-31T18:14:03Z",
        "Metadata": metadata(shopper),
    }
    assert post_postmark(client, delivered).status_code == 200
    temporary = mailgun_event(shopper.email, severity="temporary", meta=metadata(shopper))
    assert post_mailgun(client, mailgun_body(temporary)).status_code == 200
    assert (
        post_mailgun(client, mailgun_body(mailgun_event(shopper.email, "opened"))).status_code
        == 200
    )
    shopper = _reload(shopper)
    assert (shopper.receives_mailings, shopper.active, shopper.email_bounced_at) == (
        True,
        True,
        None,
    )
    kinds = db.session.scalars(select(MailEvent.kind)).all()
    assert kinds == [MailEventKind.OTHER] * 4
    assert _comments(shopper) == []


def test_hard_bounce_without_metadata_applies_to_every_account_with_that_address(client):
    first, second = (
        AccountFactory(email="same@example.org"),
        AccountFactory(email="same@example.org"),
    )
    other = AccountFactory(email="other@example.org")
    post_postmark(client, postmark_bounce("Same@Example.org"))
    assert _reload(first).email_bounced_at and _reload(second).email_bounced_at
    assert _reload(other).email_bounced_at is None
    assert first.market_id != second.market_id


def test_complaint_without_account_applies_only_to_the_market_whose_mail_it_was(client):
    here, elsewhere = (
        AccountFactory(email="pat@example.org"),
        AccountFactory(email="pat@example.org"),
    )
    meta = {"lgadmin-market": str(here.market_id)}
    post_postmark(client, postmark_spam_complaint("pat@example.org", meta=meta))
    assert _reload(here).active is False
    assert _reload(elsewhere).active is True


def test_bounce_for_an_address_since_corrected_changes_nothing(client):
    shopper = AccountFactory(email="new@example.org")
    post_postmark(client, postmark_bounce("old@example.org", meta=metadata(shopper)))
    assert _reload(shopper).receives_mailings is True


def test_address_that_matches_no_account_is_stored_unmatched(client):
    response = post_postmark(client, postmark_bounce("nobody@example.org"))
    assert response.status_code == 200
    event = db.session.scalars(select(MailEvent)).one()
    assert (event.kind, event.account_id, event.market_id) == (
        MailEventKind.HARD_BOUNCE,
        None,
        None,
    )
    assert event.processed_at is not None


def test_metadata_naming_a_deleted_account_is_dropped_not_refused(client):
    shopper = AccountFactory()
    meta = {"lgadmin-market": str(shopper.market_id), "lgadmin-account": "999999"}
    assert post_postmark(client, postmark_bounce(shopper.email, meta=meta)).status_code == 200
    assert _reload(shopper).email_bounced_at is not None  # matched by market and address


def test_a_second_bounce_adds_no_second_comment(client):
    shopper = AccountFactory()
    post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper)))
    post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper)))
    assert len(_comments(shopper)) == 1


def test_each_effect_is_in_the_audit_log_as_done_by_the_system(client):
    shopper = AccountFactory()
    post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper)))
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.target_id) == ("mail.hard_bounce", None, shopper.id)
    assert entry.market_id == shopper.market_id


def test_postmark_bounce_without_metadata_is_matched_by_the_headers_in_its_dump(client):
    shopper, namesake = AccountFactory(email="kim@example.org"), AccountFactory()
    headers = f"X-LGAdmin-Market: {shopper.market_id}\r\nX-LGAdmin-Account: {shopper.id}"
    dump = f"Return-Path: <>\r\n{headers}\r\n\r\nYour message could not be delivered."
    body = postmark_spam_complaint("kim@example.org")
    body["Content"] = dump
    post_postmark(client, body)
    assert _reload(shopper).active is False
    assert _reload(namesake).active is True

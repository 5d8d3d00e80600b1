"""The providers' published example reports, and what lgadmin does with each: one table, the
same answer for the same situation whoever reports it, and the README shows that table."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.deliverability.classification import markdown_table
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from tests.deliverability import provider_examples as examples
from tests.deliverability.payloads import mailgun_body, metadata, post_mailgun, post_postmark
from tests.factories import AccountFactory, MarketFactory, SuperuserFactory

README = Path(__file__).resolve().parents[2] / "README.md"
HARD, OTHER = MailEventKind.HARD_BOUNCE, MailEventKind.OTHER
FULL = "smtp;552 5.2.2 The email account that you tried to reach is over quota (mailbox full)"


def _last_event() -> MailEvent:
    db.session.expire_all()
    return db.session.scalars(select(MailEvent).order_by(MailEvent.id.desc())).first()


def _report(client, provider: str, body: dict) -> MailEvent:
    if provider == "mailgun":
        response = post_mailgun(client, mailgun_body(body))
    else:
        response = post_postmark(client, body)
    assert response.status_code == 200, response.get_json()
    return _last_event()


def _bounced(account) -> bool:
    db.session.expire_all()
    return db.session.get(Account, account.id).email_bounced_at is not None


@pytest.mark.parametrize(
    ("type_", "details"),
    [
        ("SoftBounce", FULL),
        ("SoftBounce", "550 5.2.2 Mailbox full"),
        ("Blocked", "550 5.7.1 Message rejected due to local policy"),
        ("BadEmailAddress", "Invalid email address"),
        ("ManuallyDeactivated", "The address was deactivated"),
        ("DMARCPolicy", "550 5.7.26 Unauthenticated email is not accepted"),
        ("HardBounce", "550 5.1.1 User unknown"),
    ],
)
def test_postmark_bounces_spec_000_calls_hard_are_applied_as_hard_bounces(client, type_, details):
    shopper = AccountFactory()
    body = examples.postmark(
        examples.POSTMARK_BOUNCE, shopper.email, metadata(shopper), Type=type_, Details=details
    )
    event = _report(client, "postmark", body)
    assert (event.kind, event.not_applied_because) == (HARD, None)
    assert _bounced(shopper)


@pytest.mark.parametrize(
    ("type_", "details", "why"),
    [
        ("SoftBounce", "421 4.4.2 Connection timed out", "gave up after temporary failures"),
        ("Transient", "Message delayed", "A temporary failure"),
        ("DnsError", "No MX record", "A temporary failure"),
        ("AutoResponder", "Out of office", "says nothing about the address"),
    ],
)
def test_postmark_reports_that_are_not_hard_bounces_are_stored_not_applied(
    client, type_, details, why
):
    shopper = AccountFactory()
    body = examples.postmark(
        examples.POSTMARK_BOUNCE, shopper.email, metadata(shopper), Type=type_, Details=details
    )
    event = _report(client, "postmark", body)
    assert event.kind is OTHER and why in event.not_applied_because
    assert not _bounced(shopper)


def _mailgun_permanent(email, meta, reason, message):
    data = examples.mailgun(examples.MAILGUN_PERMANENT_FAIL, email, meta, reason=reason)
    return examples.mailgun_status(data, code=550, message=message, description=message)


# (what happened, Mailgun's report of it, Postmark's report of it)
SAME_SITUATION = [
    (
        "full mailbox",
        lambda email, meta: _mailgun_permanent(email, meta, "bounce", FULL),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="SoftBounce", Details=FULL
        ),
    ),
    (
        "full mailbox after retrying",
        lambda email, meta: _mailgun_permanent(email, meta, "old", FULL),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="SoftBounce", Details=FULL
        ),
    ),
    (
        "domain refuses our mail",
        lambda email, meta: _mailgun_permanent(email, meta, "espblock", "554 5.7.1 blocked"),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="Blocked", Details="554 5.7.1 blocked"
        ),
    ),
    (
        "provider stopped sending to the address",
        lambda email, meta: examples.mailgun(examples.MAILGUN_PERMANENT_FAIL, email, meta),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="ManuallyDeactivated", Details=""
        ),
    ),
    (
        "gave up after temporary failures",
        lambda email, meta: _mailgun_permanent(email, meta, "old", "421 4.4.2 timed out"),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="SoftBounce", Details="421 timed out"
        ),
    ),
    (
        "temporary failure (a full mailbox the provider retries)",
        lambda email, meta: examples.mailgun(examples.MAILGUN_TEMPORARY_FAIL, email, meta),
        lambda email, meta: examples.postmark(
            examples.POSTMARK_BOUNCE, email, meta, Type="Transient", Details="4.2.2 over quota"
        ),
    ),
    (
        "spam complaint",
        lambda email, meta: examples.mailgun(examples.MAILGUN_COMPLAINED, email, meta),
        lambda email, meta: examples.postmark(examples.POSTMARK_SPAM_COMPLAINT, email, meta),
    ),
    (
        "unsubscribe",
        lambda email, meta: examples.mailgun(examples.MAILGUN_UNSUBSCRIBED, email, meta),
        lambda email, meta: examples.postmark(examples.POSTMARK_SUBSCRIPTION_CHANGE, email, meta),
    ),
]


@pytest.mark.parametrize(
    ("situation", "mailgun_report", "postmark_report"),
    SAME_SITUATION,
    ids=[row[0] for row in SAME_SITUATION],
)
def test_both_providers_classify_the_same_situation_the_same_way(
    client, situation, mailgun_report, postmark_report
):
    by_mailgun, by_postmark = AccountFactory(), AccountFactory()
    first = _report(client, "mailgun", mailgun_report(by_mailgun.email, metadata(by_mailgun)))
    second = _report(client, "postmark", postmark_report(by_postmark.email, metadata(by_postmark)))
    assert (first.kind, first.not_applied_because) == (second.kind, second.not_applied_because)
    db.session.expire_all()
    one, other = (db.session.get(Account, a.id) for a in (by_mailgun, by_postmark))
    assert (one.receives_mailings, one.active, one.email_bounced_at is None) == (
        other.receives_mailings,
        other.active,
        other.email_bounced_at is None,
    )


def test_a_signed_report_lgadmin_does_not_understand_shows_in_mail_events_as_not_applied(
    client, signed_in
):
    MarketFactory()  # a superuser's admin opens on a market
    unknown = {"event": "inbound-routed", "recipient": "someone@example.org"}
    assert post_mailgun(client, mailgun_body(unknown)).status_code == 200
    page = signed_in(SuperuserFactory()).get("/admin/mail-events/").get_data(as_text=True)
    assert (
        "Not applied: A report lgadmin does not understand: the event &#39;inbound-routed&#39; "
        "is not one lgadmin knows." in page
    )


def test_the_readme_shows_the_codes_table_the_code_uses():
    assert markdown_table() in README.read_text(encoding="utf-8")

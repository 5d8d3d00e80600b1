"""The webhook endpoints: each provider's authentication, de-duplication, and bad input."""

import json

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.deliverability.models import MailEvent
from lgadmin.extensions import db
from lgadmin.timeutil import epoch_seconds
from tests.deliverability.payloads import (
    mailgun_body,
    mailgun_event,
    mailgun_signature,
    metadata,
    post_mailgun,
    post_postmark,
    postmark_auth,
    postmark_bounce,
)
from tests.factories import AccountFactory


def _stored() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MailEvent))


def _unchanged(account) -> bool:
    db.session.expire_all()
    account = db.session.get(Account, account.id)
    return account.receives_mailings and account.active and account.email_bounced_at is None


def test_postmark_without_or_with_wrong_credentials_is_refused_and_changes_nothing(client):
    shopper = AccountFactory()
    body = postmark_bounce(shopper.email, meta=metadata(shopper))
    assert client.post("/webhooks/mail/postmark", json=body).status_code == 401
    wrong = postmark_auth(password="guess")
    assert post_postmark(client, body, headers=wrong).status_code == 401
    assert _stored() == 0 and _unchanged(shopper)


def test_postmark_is_refused_when_no_credentials_are_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "POSTMARK_WEBHOOK_PASSWORD", None)
    assert post_postmark(client, postmark_bounce("a@example.org")).status_code == 401
    assert _stored() == 0


@pytest.mark.parametrize(
    "signature",
    [
        None,
        {"timestamp": "1", "token": "t"},
        mailgun_signature(key="not-the-key"),
        {**mailgun_signature(), "timestamp": "soon"},
    ],
    ids=["missing", "incomplete", "wrong-key", "timestamp-not-signed"],
)
def test_mailgun_with_a_bad_signature_is_refused_and_changes_nothing(client, signature):
    shopper = AccountFactory()
    body = {"event-data": mailgun_event(shopper.email, meta=metadata(shopper))}
    if signature is not None:
        body["signature"] = signature
    assert post_mailgun(client, json.dumps(body)).status_code == 401
    assert _stored() == 0 and _unchanged(shopper)


def test_mailgun_report_signed_hours_ago_is_accepted_and_applied(client):
    # Mailgun retries a report for hours with the signature it first made.
    shopper = AccountFactory()
    signed_at = int(epoch_seconds()) - 8 * 3600
    body = mailgun_body(mailgun_event(shopper.email, meta=metadata(shopper)), timestamp=signed_at)
    response = post_mailgun(client, body)
    assert response.status_code == 200 and response.get_json()["stored"] == 1
    assert not _unchanged(shopper)


def test_mailgun_token_seen_before_is_answered_200_and_changes_nothing(client):
    shopper, other = AccountFactory.create_batch(2)
    signature = mailgun_signature()
    first = {"signature": signature, "event-data": mailgun_event(shopper.email)}
    assert post_mailgun(client, json.dumps(first)).status_code == 200
    # The same delivery again (a retry after a lost answer): nothing new, and no retry storm.
    again = post_mailgun(client, json.dumps(first))
    assert again.status_code == 200 and again.get_json()["stored"] == 0
    # A captured signature with other event-data: the token gives it away.
    replay = {"signature": signature, "event-data": mailgun_event(other.email)}
    response = post_mailgun(client, json.dumps(replay))
    assert response.status_code == 200
    assert response.get_json()["stored"] == 0 and "already used" in response.get_json()["note"]
    assert _stored() == 1 and _unchanged(other)


def test_same_event_twice_is_stored_and_applied_once(client):
    shopper = AccountFactory()
    event = mailgun_event(shopper.email, meta=metadata(shopper))
    first = post_mailgun(client, mailgun_body(event))
    again = post_mailgun(client, mailgun_body(event))  # the provider re-sends, newly signed
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.get_json() == {"stored": 1, "duplicates": 0}
    assert again.get_json() == {"stored": 0, "duplicates": 1}
    assert _stored() == 1


def test_every_event_is_stored_raw(client):
    body = postmark_bounce("raw@example.org")
    post_postmark(client, body)
    event = db.session.scalars(select(MailEvent)).one()
    assert json.loads(event.raw) == body
    assert event.provider == "postmark" and event.provider_event_id == f"bounce:{body['ID']}"


@pytest.mark.parametrize("provider", ["postmark", "mailgun"])
def test_bad_input_gets_a_clear_answer_never_a_500(client, provider):
    headers = postmark_auth() if provider == "postmark" else {}
    url = f"/webhooks/mail/{provider}"

    def post(data, content_type="application/json"):
        return client.post(url, data=data, headers={**headers, "Content-Type": content_type})

    too_big = post(b'{"x": "' + b"a" * (1024 * 1024) + b'"}')
    assert too_big.status_code == 413 and "1 MB" in too_big.get_json()["error"]
    form = post(b"event=failed", "application/x-www-form-urlencoded")
    assert form.status_code == 400 and "JSON" in form.get_json()["error"]
    for bad in (b"{not json", b"\xff\xfe", b""):
        response = post(bad)
        assert response.status_code == 400, bad[:10]
        assert response.get_json()["error"] == "The body is not valid JSON."
    for deep in (b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000):
        response = post(deep)
        assert response.status_code == 400
        assert response.get_json()["error"] == "The JSON is nested more than 64 levels deep."
    assert _stored() == 0


def test_missing_fields_and_unknown_types_are_stored_as_other(client):
    assert post_postmark(client, {}).status_code == 200
    assert post_postmark(client, {"RecordType": "Something new", "Email": 42}).status_code == 200
    assert post_postmark(client, {"RecordType": "Bounce", "ID": None}).status_code == 200
    assert post_postmark(client, [1, 2]).status_code == 200
    assert post_mailgun(client, mailgun_body({"event": "brand-new"})).status_code == 200
    assert post_mailgun(client, mailgun_body({})).status_code == 200
    no_data = json.dumps({"signature": mailgun_signature(), "legacy-field": "x"})
    assert post_mailgun(client, no_data).status_code == 200
    kinds = {kind.value for kind in db.session.scalars(select(MailEvent.kind))}
    assert kinds == {"other"} and _stored() == 7
    reasons = set(db.session.scalars(select(MailEvent.not_applied_because)))
    assert "A report lgadmin does not understand: the body has no event-data object." in reasons
    assert "A report lgadmin does not understand: the body is not one JSON object." in reasons
    assert (
        "A report lgadmin does not understand: the event 'brand-new' is not one lgadmin knows."
        in reasons
    )


def test_unknown_provider_is_not_found(client):
    assert client.post("/webhooks/mail/sparkpost", json={}).status_code == 404


def test_webhooks_need_no_csrf_token_but_the_admin_still_does(client):
    # CSRF is on for the app (the sign-in form carries a token); the webhook is exempt.
    assert 'name="csrf_token"' in client.get("/sign-in").get_data(as_text=True)
    assert post_postmark(client, postmark_bounce("x@example.org")).status_code == 200
    assert client.post("/sign-in", data={"email": "x", "password": "y"}).status_code == 400

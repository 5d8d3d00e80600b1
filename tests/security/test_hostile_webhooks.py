"""The hostile-input battery for every webhook (the mail providers' and Stripe's): 50 MB
bodies, with or without a declared length, 100,000-deep JSON, NUL characters, numbers of
20 digits and more, the wrong content type. Each gets a 413 or 400 with a reason, or, when it
is the provider's own signed report, a 200; never a 500, and nothing half-stored."""

import json

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from lgadmin.deliverability.models import MailEvent
from lgadmin.extensions import db
from lgadmin.payments.models import StripeEvent
from lgadmin.webhook_body import MAX_BODY_BYTES
from tests.deliverability.payloads import (
    MAILGUN_KEY,
    POSTMARK_PASSWORD,
    POSTMARK_USER,
    mailgun_signature,
    postmark_auth,
)
from tests.payments.conftest import signature as stripe_signature

STRIPE_SECRET = "whsec_hostile_battery"
FIFTY_MB = 50 * 1024 * 1024
WEBHOOKS = ["mailgun", "postmark", "stripe"]


@pytest.fixture(autouse=True)
def _all_webhooks_configured(app, monkeypatch):
    for key, value in {
        "POSTMARK_WEBHOOK_USER": POSTMARK_USER,
        "POSTMARK_WEBHOOK_PASSWORD": POSTMARK_PASSWORD,
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "STRIPE_SECRET_KEY": "sk_test_hostile",
        "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
    }.items():
        monkeypatch.setitem(app.config, key, value)


def _url(webhook: str) -> str:
    return "/webhooks/stripe" if webhook == "stripe" else f"/webhooks/mail/{webhook}"


def _post(client, webhook: str, body: bytes, **kwargs):
    """POST as the provider would: its credentials (Postmark) or signature header (Stripe)."""
    headers = {"Content-Type": kwargs.pop("content_type", "application/json")}
    if webhook == "postmark":
        headers.update(postmark_auth())
    if webhook == "stripe":
        headers["Stripe-Signature"] = stripe_signature(
            body.decode("utf-8", "replace"), STRIPE_SECRET
        )
    return client.post(_url(webhook), data=body, headers=headers, **kwargs)


def _nothing_stored() -> bool:
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(MailEvent))
    return count == 0 and db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_50_mb_body_is_refused_with_413_before_it_is_read(client, webhook):
    body = b'{"x": "' + b"a" * FIFTY_MB + b'"}'
    response = _post(client, webhook, body)
    assert response.status_code == 413
    assert response.get_json()["error"] == "The body is larger than 1 MB."
    assert _nothing_stored()


class ChunkedBody:
    """A body sent without a Content-Length (chunked): 50 MB of '[', counted as read."""

    def __init__(self, size: int):
        self.size, self.sent = size, 0

    def read(self, size=-1):
        left = self.size - self.sent
        chunk = b"[" * (left if size is None or size < 0 else min(size, left))
        self.sent += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_50_mb_body_without_a_declared_length_is_read_no_further_than_the_limit(app, webhook):
    # The test client always declares a length, so the request is made as a server that
    # de-chunks the body itself would hand it over.
    builder = EnvironBuilder(
        path=_url(webhook),
        method="POST",
        headers={"Content-Type": "application/json", **postmark_auth()},
    )
    environ = builder.get_environ()
    environ.pop("CONTENT_LENGTH", None)
    body = ChunkedBody(FIFTY_MB)
    environ.update({"wsgi.input": body, "wsgi.input_terminated": True})
    app_iter, status, _ = run_wsgi_app(app, environ, buffered=True)
    answer = json.loads(b"".join(app_iter))
    assert status.startswith("413") and answer["error"] == "The body is larger than 1 MB."
    assert body.sent <= MAX_BODY_BYTES + 1
    assert _nothing_stored()


@pytest.mark.parametrize("webhook", WEBHOOKS)
@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * 100_000,
        b"[" * 500 + b"]" * 500,  # deep enough to trouble code that walks it, not the parser
    ],
    ids=["100000-deep-list", "100000-deep-object", "100000-unclosed", "500-deep"],
)
def test_deeply_nested_json_is_refused_with_400(client, webhook, body):
    response = _post(client, webhook, body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "The JSON is nested more than 64 levels deep."
    assert _nothing_stored()


@pytest.mark.parametrize("webhook", WEBHOOKS)
def test_a_body_that_is_not_json_gets_400_with_a_reason(client, webhook):
    for body, content_type in (
        (b"{not json", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"a=1&b=2", "application/x-www-form-urlencoded"),
        (b"\x00" * 1000, "application/json"),
    ):
        response = _post(client, webhook, body, content_type=content_type)
        assert response.status_code == 400, (body[:10], response.status_code)
        assert "JSON" in response.get_json()["error"]
    assert _nothing_stored()


def _mailgun_hostile(event_data) -> bytes:
    return json.dumps({"signature": mailgun_signature(), "event-data": event_data}).encode()


HOSTILE_MAIL_FIELDS = [
    {"event": "failed\u0000", "recipient": "a\u0000b@example.org", "severity": "permanent"},
    {"event": "failed", "recipient": "x@example.org", "timestamp": 10**25, "id": "\u0000"},
    {"event": "complained", "recipient": "x@example.org", "timestamp": 1e308},
    {"event": "failed", "user-variables": {"lgadmin-market": "9" * 20, "lgadmin-account": -1}},
    {"event": ["failed"], "recipient": {"$ne": None}, "delivery-status": "550 5.2.2"},
    {"event": "failed", "severity": "permanent", "reason": "bounce", "recipient": "x" * 10_000},
]


@pytest.mark.parametrize("event_data", HOSTILE_MAIL_FIELDS)
def test_signed_mailgun_reports_with_hostile_fields_are_stored_never_a_500(client, event_data):
    response = _post(client, "mailgun", _mailgun_hostile(event_data))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["stored"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"RecordType": "Bounce\u0000", "Email": "a\u0000b@example.org", "ID": 10**25},
        {"RecordType": "Bounce", "Type": "HardBounce", "ID": -1, "Email": "x" * 10_000},
        {"RecordType": "Bounce", "Type": {"x": 1}, "Details": ["5.2.2"], "BouncedAt": "soon"},
        {"RecordType": "SpamComplaint", "Metadata": {"lgadmin-market": "9" * 20}, "ID": 1e308},
        {"RecordType": "Delivery", "Content": "X-LGAdmin-Account: " + "9" * 30},
        "just a string",
        12345678901234567890,
    ],
)
def test_postmark_reports_with_hostile_fields_are_stored_never_a_500(client, body):
    response = _post(client, "postmark", json.dumps(body).encode())
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_stripe_event_with_hostile_fields_gets_a_clear_answer_never_a_500(client):
    for event in (
        {"id": "evt_\u0000", "type": "payment_method.attached", "created": 10**25, "data": {}},
        {"id": "evt_1", "type": ["x"], "created": "soon", "data": {"object": []}},
        [1, 2, 3],
        "evt",
    ):
        response = _post(client, "stripe", json.dumps(event).encode())
        assert response.status_code in (200, 400), (event, response.status_code)

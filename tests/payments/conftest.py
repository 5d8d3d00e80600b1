"""Payments on, against the local Stripe server, and webhooks signed as Stripe signs them."""

import hashlib
import hmac
import itertools
import json

import pytest

from lgadmin.timeutil import epoch_seconds
from tests.payments.stripe_server import FakeStripe, payment_method_object

WEBHOOK_SECRET = "whsec_lgadmin_test_secret"
_event_ids = itertools.count(1)


@pytest.fixture(scope="session")
def stripe_server():
    server = FakeStripe()
    yield server
    server.close()


@pytest.fixture
def payments_on(app, stripe_server, monkeypatch):
    """Stripe keys set, the library pointed at the local server, no retries (fast tests)."""
    stripe_server.reset()
    for key, value in {
        "STRIPE_SECRET_KEY": "sk_test_lgadmin",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_lgadmin",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_server.url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return stripe_server


@pytest.fixture
def payments_off(app, monkeypatch):
    for key in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.setitem(app.config, key, None)


def signature(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's scheme: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    timestamp = int(at if at is not None else epoch_seconds())
    signed = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={signed.hexdigest()}"


def stripe_event(event_type: str, obj: dict, created: int, event_id=None, previous=None) -> dict:
    data = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {
        "id": event_id or f"evt_test_{next(_event_ids)}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "type": event_type,
        "created": created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": data,
    }


def card_event(event_type, pm_id, customer_id, created, **card) -> dict:
    obj = payment_method_object(pm_id, customer_id, **card)
    previous = None
    if event_type == "payment_method.detached":
        obj["customer"] = None
        previous = {"customer": customer_id}
    return stripe_event(event_type, obj, created, previous=previous)


def default_event(customer_id, pm_id, created) -> dict:
    customer = {
        "id": customer_id,
        "object": "customer",
        "invoice_settings": {"default_payment_method": pm_id},
    }
    previous = {"invoice_settings": {"default_payment_method": None}}
    return stripe_event("customer.updated", customer, created, previous=previous)


@pytest.fixture
def deliver(client):
    """POST an event to the webhook, signed (or as told); returns the response."""

    def _deliver(event, secret=WEBHOOK_SECRET, at=None, payload=None):
        body = payload if payload is not None else json.dumps(event)
        headers = {"Stripe-Signature": signature(body, secret, at)}
        return client.post(
            "/webhooks/stripe", data=body, headers=headers, content_type="application/json"
        )

    return _deliver

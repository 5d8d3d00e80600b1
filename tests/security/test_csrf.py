"""Every state-changing request needs a valid CSRF token, except webhooks signed by their sender."""

import os

import pytest

from lgadmin.extensions import limiter
from tests.factories import AccountFactory
from tests.security.test_authorization_matrix import merge_report

# Authenticated by a signature or a signed token instead of a session.
EXEMPT = {
    "lgadmin_mail_webhooks.mail_webhook",  # provider credentials or HMAC
    "lgadmin_stripe.stripe_webhook",  # Stripe-Signature
    "lgadmin_unsubscribe.unsubscribe",  # RFC 8058 one-click: the signed token in the URL
}


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            yield rule, method


def _url(rule, slug):
    values = {}
    for argument in rule.arguments:
        values[argument] = {"market_slug": slug, "token": "t", "provider": "mailgun"}.get(
            argument, 1
        )
    return rule.build(values, append_unknown=False)[1]


def test_every_state_changing_endpoint_refuses_a_request_without_a_token(
    app, signed_in, monkeypatch
):
    monkeypatch.setattr(limiter, "enabled", False)
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    checked, exempt_seen = 0, set()
    for rule, method in _state_changing_rules(app):
        response = client.open(_url(rule, manager.market.slug), method=method, data={})
        body = response.get_data(as_text=True)
        if rule.endpoint in EXEMPT:
            exempt_seen.add(rule.endpoint)
            assert "CSRF" not in body, rule.endpoint
            continue
        checked += 1
        assert response.status_code == 400 and "CSRF" in body, (
            f"{method} {rule.rule} ({rule.endpoint}) answered {response.status_code} "
            "without a CSRF token"
        )
    assert exempt_seen == EXEMPT
    assert checked >= 30
    if os.environ.get("LGADMIN_SECURITY_REPORT"):
        merge_report(
            os.environ["LGADMIN_SECURITY_REPORT"],
            {"csrf": {"refused_without_token": checked, "exempt": sorted(EXEMPT)}},
        )


@pytest.mark.parametrize("field", ["csrf_token"])
def test_a_wrong_token_is_refused_too(signed_in, field):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    response = client.post(
        f"/admin/customers/{manager.id}/comments", data={field: "not-a-token", "body": "hi"}
    )
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)

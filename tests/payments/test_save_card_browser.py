"""The Save a card form in a real browser, with Stripe.js blocked, absent, or stood in for."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AccountFactory

pytestmark = pytest.mark.browser

# Stands in for Stripe.js: the card element is a plain box, and confirming asks the
# test (through a routed URL) to do what Stripe would: attach a card, succeed the intent.
STRIPE_JS_STAND_IN = """
window.Stripe = function () {
  return {
    elements: function () {
      return { create: function () {
        return { mount: function (el) { el.textContent = 'card box'; } };
      } };
    },
    confirmCardSetup: function (secret) {
      return fetch('https://js.stripe.com/test-confirm?secret=' + encodeURIComponent(secret))
        .then(function (r) { return r.json(); })
        .then(function (intent) { return { setupIntent: intent }; });
    }
  };
};
"""


def open_account_page(page, live_server, account):
    page.goto(f"{live_server}/m/{account.market.slug}/sign-in")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/m/{account.market.slug}/account")


def test_when_stripe_js_cannot_load_the_page_says_payments_are_unavailable(
    payments_on, live_server, page
):
    account = AccountFactory()
    page.route("https://js.stripe.com/**", lambda route: route.abort())

    open_account_page(page, live_server, account)

    expect(page.get_by_role("status")).to_have_text(
        "Payments are unavailable right now: the card form could not load. Please try again later."
    )
    expect(page.get_by_role("button", name="Save card")).to_be_disabled()
    expect(page.get_by_text("No saved payment method")).to_be_visible()


def test_with_payments_off_no_stripe_js_is_requested(payments_off, live_server, page):
    account = AccountFactory()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    open_account_page(page, live_server, account)

    expect(page.get_by_text("Payments are off: no card can be saved here.")).to_be_visible()
    assert not [url for url in requested if "stripe" in url]


def test_shopper_saves_a_card_and_sees_it_on_file(payments_on, live_server, page):
    account = AccountFactory()

    def stripe_js(route):
        url = urlsplit(route.request.url)
        if url.path == "/test-confirm":
            intent_id = parse_qs(url.query)["secret"][0].split("_secret_")[0]
            payments_on.confirm_setup_intent(intent_id, last4="4242")
            route.fulfill(
                status=200,
                content_type="application/json",
                headers={"Access-Control-Allow-Origin": "*"},
                body=json.dumps({"id": intent_id, "status": "succeeded"}),
            )
        else:
            route.fulfill(
                status=200, content_type="application/javascript", body=STRIPE_JS_STAND_IN
            )

    page.route("https://js.stripe.com/**", stripe_js)
    open_account_page(page, live_server, account)
    expect(page.get_by_role("status")).to_contain_text("goes straight to Stripe")

    page.get_by_role("button", name="Save card").click()

    expect(page.get_by_role("alert")).to_have_text("Your card Visa •••• 4242 is saved.")
    expect(page.get_by_text("Visa •••• 4242, expires 12/2031")).to_be_visible()

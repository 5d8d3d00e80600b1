"""Saving a card from the shopper's account page, through a SetupIntent."""

import socket

from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.payments.models import PaymentMethod
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, PaymentMethodFactory


def account_page(client, account) -> str:
    return client.get(f"/m/{account.market.slug}/account").get_data(as_text=True)


def post_json(client, account, path, data=None, token=True):
    headers = {"X-CSRFToken": csrf_token_from(account_page(client, account))} if token else {}
    return client.post(
        f"/m/{account.market.slug}/account/cards/{path}", data=data or {}, headers=headers
    )


def test_account_page_says_payments_are_off_and_loads_no_stripe_js(payments_off, signed_in):
    account = AccountFactory()

    page = account_page(signed_in(account), account)

    assert "Payments are off: no card can be saved here." in page
    assert "js.stripe.com" not in page and "lgadmin-cards.js" not in page


def test_account_page_lists_the_saved_card_without_calling_stripe(payments_on, signed_in):
    account = AccountFactory()
    PaymentMethodFactory(account=account, last4="4242", exp_month=4, exp_year=2031)

    page = account_page(signed_in(account), account)

    assert "Visa •••• 4242, expires 04/2031" in page
    assert "Save a card" in page and 'data-publishable-key="pk_test_lgadmin"' in page
    assert payments_on.requests == []


def test_without_a_publishable_key_the_card_form_says_it_is_unavailable(
    payments_on, signed_in, app, monkeypatch
):
    monkeypatch.setitem(app.config, "STRIPE_PUBLISHABLE_KEY", None)
    account = AccountFactory()

    page = account_page(signed_in(account), account)

    assert "Payments are unavailable right now: cards cannot be saved." in page
    assert "js.stripe.com" not in page


def test_card_setup_creates_the_stripe_customer_once(payments_on, signed_in):
    account = AccountFactory(email="rosa@example.org")
    client = signed_in(account)

    first = post_json(client, account, "setup")
    second = post_json(client, account, "setup")

    assert first.status_code == 200 and first.json["client_secret"].startswith("seti_")
    assert second.json["client_secret"] != first.json["client_secret"]
    db.session.expire_all()
    customer_id = db.session.get(Account, account.id).stripe_customer_id
    assert customer_id in payments_on.customers
    assert payments_on.customers[customer_id]["email"] == "rosa@example.org"
    assert len(payments_on.posts_to("/v1/customers")) == 1
    setups = payments_on.posts_to("/v1/setup_intents")
    assert [s["params"]["usage"] for s in setups] == ["off_session", "off_session"]


def test_card_setup_needs_the_form_token(payments_on, signed_in):
    account = AccountFactory()

    response = post_json(signed_in(account), account, "setup", token=False)

    assert response.status_code == 400 and payments_on.requests == []


def test_card_setup_at_another_market_is_not_found(payments_on, signed_in):
    account = AccountFactory()
    client = signed_in(account)
    token = csrf_token_from(account_page(client, account))
    other = MarketFactory()

    response = client.post(f"/m/{other.slug}/account/cards/setup", headers={"X-CSRFToken": token})

    assert response.status_code == 404 and payments_on.requests == []


def test_saved_card_becomes_the_default_and_shows_on_the_account_page(payments_on, signed_in):
    account = AccountFactory()
    client = signed_in(account)
    secret = post_json(client, account, "setup").json["client_secret"]
    setup_intent_id = secret.split("_secret_")[0]
    pm_id = payments_on.confirm_setup_intent(setup_intent_id, last4="4444", brand="mastercard")

    response = post_json(client, account, "saved", {"setup_intent": setup_intent_id})

    assert response.status_code == 200
    assert response.json["message"] == "Your card Mastercard •••• 4444 is saved."
    db.session.expire_all()
    customer = payments_on.customers[db.session.get(Account, account.id).stripe_customer_id]
    assert customer["invoice_settings"]["default_payment_method"] == pm_id
    [card] = db.session.scalars(select(PaymentMethod)).all()
    assert (card.stripe_payment_method_id, card.is_default) == (pm_id, True)
    assert "Mastercard •••• 4444" in account_page(client, account)


def test_someone_elses_setup_intent_is_refused(payments_on, signed_in):
    account = AccountFactory()
    intruder = AccountFactory(market=account.market)
    victim_client = signed_in(account)
    victim_secret = post_json(victim_client, account, "setup").json["client_secret"]
    victim_intent = victim_secret.split("_secret_")[0]
    payments_on.confirm_setup_intent(victim_intent)
    victim_client.post(
        "/sign-out", data={"csrf_token": csrf_token_from(account_page(victim_client, account))}
    )
    intruder_client = signed_in(intruder)
    post_json(intruder_client, intruder, "setup")  # the intruder has a Stripe customer too

    response = post_json(intruder_client, intruder, "saved", {"setup_intent": victim_intent})

    assert response.status_code == 400
    assert response.json["error"] == (
        "The card could not be saved: it was not entered for your account."
    )
    assert db.session.scalars(select(PaymentMethod)).all() == []


def test_unconfirmed_or_made_up_setup_intents_get_a_clear_message(payments_on, signed_in):
    account = AccountFactory()
    client = signed_in(account)
    secret = post_json(client, account, "setup").json["client_secret"]

    unconfirmed = post_json(client, account, "saved", {"setup_intent": secret.split("_secret_")[0]})
    made_up = post_json(client, account, "saved", {"setup_intent": "seti_doesnotexist"})
    garbage = post_json(client, account, "saved", {"setup_intent": "<script>"})

    assert unconfirmed.json["error"].startswith("The card was not saved: Stripe did not confirm it")
    assert made_up.json["error"] == "The card could not be saved: Stripe does not know it."
    assert garbage.json["error"].startswith("The card could not be saved")
    assert {r.status_code for r in (unconfirmed, made_up, garbage)} == {400}


def test_card_setup_while_stripe_is_unreachable_says_so(payments_on, signed_in, app, monkeypatch):
    account = AccountFactory()
    client = signed_in(account)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{port}")

    response = post_json(client, account, "setup")

    assert response.status_code == 503
    assert (
        response.json["error"] == "Stripe could not be reached. Please try again in a few minutes."
    )
    db.session.expire_all()
    assert db.session.get(Account, account.id).stripe_customer_id is None

"""Refresh from Stripe: the manager re-reads a customer's cards when a webhook was missed."""

from flask import render_template
from sqlalchemy import select

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.payments.models import PaymentMethod
from lgadmin.payments.service import payment_information, refresh_payment_methods
from lgadmin.timeutil import epoch_seconds
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, PaymentMethodFactory
from tests.payments.conftest import card_event


def cards_of(account) -> dict[str, PaymentMethod]:
    db.session.expire_all()
    rows = db.session.scalars(select(PaymentMethod).where(PaymentMethod.account_id == account.id))
    return {row.stripe_payment_method_id: row for row in rows}


def customer_at_stripe(server, account_factory=AccountFactory, **fields):
    customer_id = server.add_customer()
    return account_factory(stripe_customer_id=customer_id, **fields)


def test_refresh_replaces_the_local_cards_with_what_stripe_has(payments_on):
    account = customer_at_stripe(payments_on)
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_gone", is_default=True)
    kept = payments_on.add_card(account.stripe_customer_id, last4="1111", default=True)
    newer = payments_on.add_card(account.stripe_customer_id, last4="2222", brand="mastercard")

    result = refresh_payment_methods(account)
    db.session.commit()

    cards = cards_of(account)
    assert set(cards) == {kept, newer}
    assert cards[kept].is_default and not cards[newer].is_default
    assert (cards[newer].brand, cards[newer].last4) == ("mastercard", "2222")
    assert result.message == "Refreshed from Stripe: 2 saved cards; default Visa •••• 1111."


def test_without_a_stripe_default_the_newest_card_is_on_file(payments_on):
    account = customer_at_stripe(payments_on)
    payments_on.add_card(account.stripe_customer_id, last4="1111")
    newest = payments_on.add_card(account.stripe_customer_id, last4="2222")

    refresh_payment_methods(account)
    db.session.commit()

    assert cards_of(account)[newest].is_default


def test_a_webhook_older_than_the_refresh_cannot_undo_it(payments_on, deliver):
    account = customer_at_stripe(payments_on)
    refresh_payment_methods(account)  # Stripe has no card for them
    db.session.commit()

    late = deliver(
        card_event(
            "payment_method.attached",
            "pm_old",
            account.stripe_customer_id,
            int(epoch_seconds()) - 60,
        )
    )

    assert late.json["outcome"] == "stale"
    assert cards_of(account) == {}


def manager_posts_refresh(client, account_id, token=True):
    page = client.get("/admin/customers/").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page)} if token else {}
    return client.post(f"/admin/payments/refresh/{account_id}", data=data)


def test_manager_refreshes_a_customer_and_returns_to_the_details(payments_on, signed_in):
    account = customer_at_stripe(payments_on)
    payments_on.add_card(account.stripe_customer_id, last4="4242", default=True)
    manager = AccountFactory(market=account.market, manager=True)
    client = signed_in(manager)

    response = manager_posts_refresh(client, account.id)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/customers/details/?id={account.id}")
    assert [card.last4 for card in cards_of(account).values()] == ["4242"]
    with client.session_transaction() as session:
        flashes = session["_flashes"]
    assert ("success", "Refreshed from Stripe: 1 saved card; default Visa •••• 4242.") in flashes
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action != "auth.signed_in")
    ).one()
    assert (audit.action, audit.target_id, audit.actor_id) == (
        "lgadmin_payments.refresh",
        account.id,
        manager.id,
    )


def test_refreshing_another_markets_customer_is_not_found(payments_on, signed_in):
    other_market_customer = customer_at_stripe(payments_on)
    payments_on.add_card(other_market_customer.stripe_customer_id)
    manager = AccountFactory(manager=True)

    response = manager_posts_refresh(signed_in(manager), other_market_customer.id)

    assert response.status_code == 404
    assert cards_of(other_market_customer) == {}
    assert payments_on.requests == []


def test_refresh_without_the_form_token_is_refused(payments_on, signed_in):
    account = customer_at_stripe(payments_on)
    manager = AccountFactory(market=account.market, manager=True)

    response = manager_posts_refresh(signed_in(manager), account.id, token=False)

    assert response.status_code == 400
    assert payments_on.requests == []


def test_a_shopper_cannot_refresh(payments_on, signed_in):
    account = customer_at_stripe(payments_on)
    client = signed_in(account)
    page = client.get(f"/m/{account.market.slug}/account").get_data(as_text=True)

    response = client.post(
        f"/admin/payments/refresh/{account.id}", data={"csrf_token": csrf_token_from(page)}
    )

    assert response.status_code == 403


def test_refresh_while_stripe_fails_keeps_the_cards_and_says_so(payments_on, signed_in):
    account = customer_at_stripe(payments_on)
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", last4="4242")
    manager = AccountFactory(market=account.market, manager=True)
    client = signed_in(manager)
    payments_on.fail_next = 1

    response = manager_posts_refresh(client, account.id)

    assert response.status_code == 302
    assert list(cards_of(account)) == ["pm_1"]
    with client.session_transaction() as session:
        flashes = session["_flashes"]
    assert (
        "error",
        "Could not refresh from Stripe: Stripe had a problem answering. "
        "Please try again in a few minutes.",
    ) in flashes


def test_refresh_says_payments_are_off_without_keys(payments_off, signed_in):
    account = AccountFactory()
    manager = AccountFactory(market=account.market, manager=True)
    client = signed_in(manager)

    manager_posts_refresh(client, account.id)

    with client.session_transaction() as session:
        [(category, message)] = session["_flashes"]
    assert category == "error" and "Payments are off" in message


def render_payment_information(app, account):
    with app.test_request_context():
        return render_template(
            "lgadmin/payments/_payment_information.html", **payment_information(account)
        )


def test_payment_information_shows_brand_last_four_and_expiry_only(app, payments_on):
    account = AccountFactory()
    PaymentMethodFactory(account=account, last4="4242", exp_month=3, exp_year=2031)
    PaymentMethodFactory(
        account=account, brand="amex", last4="0005", exp_month=1, exp_year=2020, is_default=False
    )

    html = render_payment_information(app, account)

    assert "Visa •••• 4242, expires 03/2031" in html
    assert "American Express •••• 0005, expires 01/2020" in html
    assert html.count("(expired)") == 1
    assert html.index("4242") < html.index("0005")  # the default card first
    assert f"/admin/payments/refresh/{account.id}" in html and 'name="csrf_token"' in html
    assert payments_on.requests == []  # rendering never calls Stripe


def test_payment_information_without_a_card(app, payments_on):
    assert "No saved payment method" in render_payment_information(app, AccountFactory())


def test_payment_information_says_payments_are_off_without_keys(app, payments_off):
    html = render_payment_information(app, AccountFactory())

    assert "Payments are off" in html and "Refresh from Stripe" not in html

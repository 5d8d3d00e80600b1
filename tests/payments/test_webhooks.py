"""The Stripe webhook keeps the saved cards current: signed, de-duplicated, never out of order."""

import json
import logging

from sqlalchemy import func, inspect, select, text

from lgadmin.extensions import db
from lgadmin.payments.models import PaymentMethod, StripeEvent
from lgadmin.timeutil import epoch_seconds
from tests.factories import AccountFactory, PaymentMethodFactory
from tests.payments.conftest import card_event, default_event, stripe_event

NOW = int(epoch_seconds())


def cards_of(account) -> dict[str, PaymentMethod]:
    db.session.expire_all()
    rows = db.session.scalars(select(PaymentMethod).where(PaymentMethod.account_id == account.id))
    return {row.stripe_payment_method_id: row for row in rows}


def shopper(**fields):
    return AccountFactory(stripe_customer_id=fields.pop("customer", "cus_shopper"), **fields)


def test_attached_card_shows_in_the_grid_with_its_last_four_digits(payments_on, deliver, signed_in):
    account = shopper(first_name="Rosa")
    manager = AccountFactory(market=account.market, manager=True)

    response = deliver(
        card_event("payment_method.attached", "pm_1", "cus_shopper", NOW, last4="1881")
    )

    assert response.status_code == 200 and response.json["outcome"] == "applied"
    card = cards_of(account)["pm_1"]
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "1881", 12, 2031)
    assert card.is_default  # the only card is the card on file
    page = signed_in(manager).get("/admin/customers/").get_data(as_text=True)
    assert "Visa ending in 1881" in page


def test_wrong_secret_is_refused_and_changes_nothing(payments_on, deliver):
    account = shopper()

    response = deliver(
        card_event("payment_method.attached", "pm_1", "cus_shopper", NOW), secret="whsec_wrong"
    )

    assert response.status_code == 400
    assert cards_of(account) == {}
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_signature_older_than_the_tolerance_is_refused(payments_on, deliver):
    account = shopper()

    response = deliver(
        card_event("payment_method.attached", "pm_1", "cus_shopper", NOW), at=epoch_seconds() - 600
    )

    assert response.status_code == 400
    assert cards_of(account) == {}


def test_missing_signature_is_refused(payments_on, client):
    shopper()
    body = json.dumps(card_event("payment_method.attached", "pm_1", "cus_shopper", NOW))

    response = client.post("/webhooks/stripe", data=body, content_type="application/json")

    assert response.status_code == 400


def test_replayed_event_is_acknowledged_and_applied_once(payments_on, deliver):
    account = shopper()
    attached = card_event("payment_method.attached", "pm_1", "cus_shopper", NOW - 60)
    deliver(attached)
    deliver(card_event("payment_method.detached", "pm_1", "cus_shopper", NOW))

    replay = deliver(attached)

    assert replay.status_code == 200 and replay.json["outcome"] == "duplicate"
    assert cards_of(account) == {}
    stored = db.session.scalar(
        select(func.count()).where(StripeEvent.stripe_event_id == attached["id"])
    )
    assert stored == 1


def test_older_update_arriving_late_does_not_overwrite_the_newer_expiry(payments_on, deliver):
    account = shopper()
    deliver(card_event("payment_method.attached", "pm_1", "cus_shopper", NOW - 300, exp_year=2029))
    deliver(card_event("payment_method.updated", "pm_1", "cus_shopper", NOW - 10, exp_year=2033))

    late = deliver(
        card_event("payment_method.updated", "pm_1", "cus_shopper", NOW - 100, exp_year=2030)
    )

    assert late.status_code == 200 and late.json["outcome"] == "stale"
    assert cards_of(account)["pm_1"].exp_year == 2033


def test_older_attach_arriving_after_the_detach_does_not_bring_the_card_back(payments_on, deliver):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1")

    deliver(card_event("payment_method.detached", "pm_1", "cus_shopper", NOW))
    late = deliver(card_event("payment_method.attached", "pm_1", "cus_shopper", NOW - 30))

    assert late.json["outcome"] == "stale"
    assert cards_of(account) == {}


def test_automatically_updated_card_gets_its_new_expiry(payments_on, deliver):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", exp_year=2026)

    deliver(
        card_event(
            "payment_method.automatically_updated", "pm_1", "cus_shopper", NOW, exp_year=2030
        )
    )

    assert cards_of(account)["pm_1"].exp_year == 2030


def test_customer_default_picks_the_card_and_an_older_default_event_is_ignored(
    payments_on, deliver
):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", is_default=True)
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_2", is_default=False)

    deliver(default_event("cus_shopper", "pm_2", NOW - 10))
    late = deliver(default_event("cus_shopper", "pm_1", NOW - 20))

    assert late.json["outcome"] == "stale"
    cards = cards_of(account)
    assert cards["pm_2"].is_default and not cards["pm_1"].is_default


def test_default_named_before_its_card_arrives_is_applied_when_it_does(payments_on, deliver):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", is_default=True)

    deliver(default_event("cus_shopper", "pm_2", NOW - 10))
    deliver(card_event("payment_method.attached", "pm_2", "cus_shopper", NOW - 11, last4="5556"))

    cards = cards_of(account)
    assert cards["pm_2"].is_default and not cards["pm_1"].is_default


def test_detaching_the_default_card_leaves_the_other_card_on_file(payments_on, deliver):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", is_default=True)
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_2", is_default=False)

    deliver(card_event("payment_method.detached", "pm_1", "cus_shopper", NOW))

    cards = cards_of(account)
    assert list(cards) == ["pm_2"] and cards["pm_2"].is_default


def test_unknown_event_type_is_acknowledged_and_changes_nothing(payments_on, deliver):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1")
    invoice = {"id": "in_1", "object": "invoice", "customer": "cus_shopper"}

    response = deliver(stripe_event("invoice.paid", invoice, NOW))

    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert list(cards_of(account)) == ["pm_1"]


def test_card_of_an_unknown_customer_is_acknowledged_and_stored_nowhere(payments_on, deliver):
    shopper()

    response = deliver(card_event("payment_method.attached", "pm_9", "cus_someone_else", NOW))

    assert response.status_code == 200 and response.json["outcome"] == "unknown customer"
    assert db.session.scalar(select(func.count()).select_from(PaymentMethod)) == 0


def test_signed_payloads_that_are_not_readable_events_are_refused_without_error(
    payments_on, deliver
):
    account = shopper()
    PaymentMethodFactory(account=account, stripe_payment_method_id="pm_1", last4="4242")
    no_created = card_event("payment_method.updated", "pm_1", "cus_shopper", NOW)
    del no_created["created"]
    bad_card = card_event("payment_method.updated", "pm_1", "cus_shopper", NOW, last4="42x4")

    answers = [
        deliver(None, payload="this is not json").status_code,
        deliver(None, payload="[1, 2, 3]").status_code,
        deliver(None, payload=b"\xff\xfe".decode("latin-1")).status_code,
        deliver(no_created).status_code,
        deliver(bad_card).status_code,
    ]

    assert answers == [400] * 5
    assert cards_of(account)["pm_1"].last4 == "4242"
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_webhook_says_payments_are_off_when_no_keys_are_set(payments_off, deliver):
    response = deliver(card_event("payment_method.attached", "pm_1", "cus_shopper", NOW))

    assert response.status_code == 503
    assert "Payments are off" in response.json["error"]


def test_no_full_card_number_or_cvc_reaches_the_database_or_the_logs(payments_on, deliver, caplog):
    account = shopper()
    # Stripe never sends these; if a payload ever did, lgadmin must still not keep them.
    event = card_event("payment_method.attached", "pm_1", "cus_shopper", NOW, last4="4242")
    event["data"]["object"]["card"].update(number="4242424242424242", cvc="987")
    caplog.set_level(logging.DEBUG)

    assert deliver(event).json["outcome"] == "applied"
    deliver(event, secret="whsec_wrong")  # a refused one is not logged with its payload either

    stored = " ".join(
        repr(row)
        for table in inspect(db.engine).get_table_names()
        for row in db.session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
    )
    assert cards_of(account)["pm_1"].last4 == "4242"
    # The CVC by its key: three digits alone turn up by chance in timestamps' microseconds.
    assert "4242424242424242" not in stored and "cvc" not in stored
    assert "4242424242424242" not in caplog.text and "cvc" not in caplog.text

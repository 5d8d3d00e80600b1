"""Checkout with the card on file: a PaymentIntent confirmed off-session, never charged twice."""

import socket
from decimal import Decimal

import pytest

from lgadmin.extensions import db
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.payments.models import PaymentMethod
from lgadmin.payments.service import charge_order_with_saved_card
from tests.factories import AccountFactory, PaymentMethodFactory, ProductFactory


@pytest.fixture
def shopper_with_card(payments_on):
    """A shopper with a Stripe customer and one saved card, known both at Stripe and locally."""

    def _shopper(behaviour="succeed", **card):
        customer_id = payments_on.add_customer()
        pm_id = payments_on.add_card(customer_id, behaviour=behaviour, default=True)
        account = AccountFactory(stripe_customer_id=customer_id)
        PaymentMethodFactory(account=account, stripe_payment_method_id=pm_id, **card)
        return account

    return _shopper


def card_order(account) -> Order:
    product = ProductFactory(grower__account__market=account.market, price_cents=1250)
    order = place_order(account, [(product, Decimal(2))], PaymentChoice.CARD)
    db.session.commit()
    return order


def reload(order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def intent_posts(server) -> list[dict]:
    return server.posts_to("/v1/payment_intents")


def test_card_order_stays_owed_and_leaves_the_balance_alone_until_charged(shopper_with_card):
    account = shopper_with_card()

    order = card_order(account)

    assert (order.total_cents, order.amount_due_cents, order.paid_at) == (2500, 2500, None)
    db.session.refresh(account)
    assert account.balance_cents == 0


def test_charging_the_card_on_file_marks_the_order_paid(shopper_with_card, payments_on):
    account = shopper_with_card()
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert result.paid and result.message == "Paid $25.00 with the card on file."
    order = reload(order)
    assert order.amount_due_cents == 0 and order.paid_at is not None
    [post] = intent_posts(payments_on)
    assert post["idempotency_key"] == f"order-{order.id}"
    params = post["params"]
    assert (params["amount"], params["currency"]) == ("2500", "usd")
    assert (params["off_session"], params["confirm"]) == ("true", "true")
    assert params["customer"] == account.stripe_customer_id
    assert params["metadata"]["order_id"] == str(order.id)
    assert db.session.get(type(account), account.id).balance_cents == 0


def test_charging_a_paid_order_again_asks_stripe_nothing(shopper_with_card, payments_on):
    account = shopper_with_card()
    order = card_order(account)
    charge_order_with_saved_card(order, account)

    again = charge_order_with_saved_card(reload(order), account)

    assert again.paid and again.status == "already_paid"
    assert len(intent_posts(payments_on)) == 1 and len(payments_on.charges) == 1


def test_a_lost_answer_is_retried_with_the_same_key_and_charges_once(
    shopper_with_card, payments_on
):
    account = shopper_with_card()
    order = card_order(account)
    payments_on.drop_next = 1  # Stripe charges the card, but its answer never arrives

    first = charge_order_with_saved_card(order, account)
    assert not first.paid and "not charged as far as we know" in first.message
    assert reload(order).amount_due_cents == 2500

    retry = charge_order_with_saved_card(reload(order), account)

    assert retry.paid and reload(order).amount_due_cents == 0
    assert len(payments_on.charges) == 1
    assert [p["idempotency_key"] for p in intent_posts(payments_on)] == [f"order-{order.id}"] * 2


def test_declined_card_leaves_the_order_unpaid_with_the_decline_message(shopper_with_card):
    account = shopper_with_card(behaviour="decline")
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and result.status == "declined"
    assert result.message == (
        "The card was declined: Your card has insufficient funds. The order stays unpaid."
    )
    order = reload(order)
    assert order.amount_due_cents == 2500 and order.paid_at is None


def test_after_a_decline_a_new_card_is_charged_under_a_new_key(shopper_with_card, payments_on):
    account = shopper_with_card(behaviour="decline")
    order = card_order(account)
    charge_order_with_saved_card(order, account)
    new_pm = payments_on.add_card(account.stripe_customer_id, last4="5556", default=True)
    db.session.query(PaymentMethod).delete()
    PaymentMethodFactory(account=account, stripe_payment_method_id=new_pm, last4="5556")

    result = charge_order_with_saved_card(reload(order), account)

    assert result.paid
    keys = [p["idempotency_key"] for p in intent_posts(payments_on)]
    assert keys == [f"order-{order.id}", f"order-{order.id}-2"]
    assert len(payments_on.charges) == 1


def test_payment_needing_the_shopper_stays_unpaid_until_they_confirm_it(
    shopper_with_card, payments_on
):
    account = shopper_with_card(behaviour="requires_action")
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and result.status == "requires_action"
    assert "the shopper must confirm the payment themselves" in result.message
    assert reload(order).amount_due_cents == 2500
    # The shopper confirms it with their bank; asking again charges nothing new.
    payments_on.payment_intents[result.payment_intent_id]["status"] = "succeeded"

    later = charge_order_with_saved_card(reload(order), account)

    assert later.paid and reload(order).amount_due_cents == 0
    assert len(intent_posts(payments_on)) == 1


def test_stripe_out_of_reach_leaves_the_order_unpaid_with_a_clear_message(
    shopper_with_card, app, monkeypatch
):
    account = shopper_with_card()
    order = card_order(account)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{port}")

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and result.status == "unknown"
    assert result.message.startswith("Stripe could not be reached")
    assert "it will not charge twice" in result.message
    assert reload(order).amount_due_cents == 2500


def test_stripe_failing_with_500_leaves_the_order_unpaid(shopper_with_card, payments_on):
    account = shopper_with_card()
    order = card_order(account)
    payments_on.fail_next = 1

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and "The order stays unpaid" in result.message
    assert reload(order).amount_due_cents == 2500
    assert charge_order_with_saved_card(reload(order), account).paid


def test_without_a_saved_card_nothing_is_charged(payments_on):
    account = AccountFactory(stripe_customer_id=payments_on.add_customer())
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and result.message.startswith("No saved payment method")
    assert intent_posts(payments_on) == []


def test_an_expired_card_is_not_charged(shopper_with_card, payments_on):
    account = shopper_with_card(exp_month=1, exp_year=2020)
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and "expired 01/2020" in result.message
    assert intent_posts(payments_on) == []


def test_charge_says_payments_are_off_without_keys(payments_off):
    account = AccountFactory()
    order = card_order(account)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and result.message.startswith("Payments are off")


def test_another_customers_order_is_not_charged(shopper_with_card, payments_on):
    account = shopper_with_card()
    other = AccountFactory(market=account.market)
    order = card_order(other)

    result = charge_order_with_saved_card(order, account)

    assert not result.paid and intent_posts(payments_on) == []

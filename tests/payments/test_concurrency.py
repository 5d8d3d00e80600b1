"""Side by side on PostgreSQL: one event twice at once, one order charged twice at once."""

import json
import threading
from decimal import Decimal

import requests
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.payments.models import PaymentMethod, StripeEvent
from lgadmin.payments.service import charge_order_with_saved_card
from tests.factories import AccountFactory, PaymentMethodFactory, ProductFactory
from tests.payments.conftest import card_event, signature


def side_by_side(work, times=2) -> list:
    barrier = threading.Barrier(times)
    results = [None] * times

    def run(index):
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_the_same_event_delivered_twice_at_once_is_applied_once(
    postgres_url, payments_on, live_server
):
    AccountFactory(stripe_customer_id="cus_shopper")
    body = json.dumps(card_event("payment_method.attached", "pm_1", "cus_shopper", 1_700_000_000))

    def deliver():
        return requests.post(
            f"{live_server}/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": signature(body), "Content-Type": "application/json"},
            timeout=30,
        )

    responses = side_by_side(deliver)

    assert [r.status_code for r in responses] == [200, 200]
    assert sorted(r.json()["outcome"] for r in responses) == ["applied", "duplicate"]
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    assert db.session.scalar(select(func.count()).select_from(PaymentMethod)) == 1


def test_the_same_order_charged_twice_at_once_is_charged_once(app, postgres_url, payments_on):
    customer_id = payments_on.add_customer()
    pm_id = payments_on.add_card(customer_id, default=True)
    account = AccountFactory(stripe_customer_id=customer_id)
    PaymentMethodFactory(account=account, stripe_payment_method_id=pm_id)
    product = ProductFactory(grower__account__market=account.market, price_cents=1000)
    order_id = place_order(account, [(product, Decimal(1))], PaymentChoice.CARD).id
    db.session.commit()

    def charge():
        with app.app_context():
            order = db.session.get(Order, order_id)
            result = charge_order_with_saved_card(order, db.session.get(Account, order.account_id))
            db.session.remove()
            return result

    results = side_by_side(charge)

    assert len(payments_on.charges) == 1
    assert any(result.paid for result in results)
    db.session.expire_all()
    assert db.session.get(Order, order_id).amount_due_cents == 0

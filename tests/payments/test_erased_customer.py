"""After an erasure, Stripe's late news about the customer's cards finds no account to change."""

from sqlalchemy import select

from lgadmin.extensions import db
from lgadmin.payments.models import PaymentMethod
from lgadmin.privacy.service import erase_customer
from lgadmin.timeutil import epoch_seconds
from tests.factories import AccountFactory, PaymentMethodFactory
from tests.payments.conftest import card_event


def test_a_card_attached_after_the_erasure_is_not_saved_on_the_erased_account(payments_on, deliver):
    customer = AccountFactory(stripe_customer_id="cus_erased")
    manager = AccountFactory(market=customer.market, manager=True)
    PaymentMethodFactory(account=customer, stripe_payment_method_id="pm_old")
    erase_customer(manager, customer.market, customer)
    db.session.commit()

    response = deliver(
        card_event("payment_method.attached", "pm_new", "cus_erased", int(epoch_seconds()))
    )

    assert response.status_code == 200
    db.session.expire_all()
    cards = db.session.scalars(
        select(PaymentMethod).where(PaymentMethod.account_id == customer.id)
    ).all()
    assert cards == []


def test_erasing_deletes_the_customer_at_stripe_with_their_cards(payments_on):
    customer_id = payments_on.add_customer(email="robin@example.org")
    pm_id = payments_on.add_card(customer_id, default=True)
    customer = AccountFactory(stripe_customer_id=customer_id)
    manager = AccountFactory(market=customer.market, manager=True)
    PaymentMethodFactory(account=customer, stripe_payment_method_id=pm_id)

    erase_customer(manager, customer.market, customer)
    assert customer_id in payments_on.customers  # nothing leaves before the erasure lands
    db.session.commit()

    assert customer_id not in payments_on.customers
    assert payments_on.payment_methods[pm_id]["customer"] is None
    deletes = [r["path"] for r in payments_on.requests if r["method"] == "DELETE"]
    assert deletes == [f"/v1/customers/{customer_id}"]


def test_an_erasure_that_rolls_back_leaves_the_stripe_customer(payments_on):
    customer_id = payments_on.add_customer(email="robin@example.org")
    customer = AccountFactory(stripe_customer_id=customer_id)
    manager = AccountFactory(market=customer.market, manager=True)

    erase_customer(manager, customer.market, customer)
    db.session.rollback()
    db.session.commit()  # a later commit of other work does not carry the erasure's job

    assert customer_id in payments_on.customers
    assert [r for r in payments_on.requests if r["method"] == "DELETE"] == []


def test_a_customer_already_gone_at_stripe_is_no_error(payments_on):
    customer = AccountFactory(stripe_customer_id="cus_gone")
    manager = AccountFactory(market=customer.market, manager=True)

    erase_customer(manager, customer.market, customer)
    db.session.commit()

    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).erased_at is not None
    assert [r["path"] for r in payments_on.requests if r["method"] == "DELETE"] == [
        "/v1/customers/cus_gone"
    ]

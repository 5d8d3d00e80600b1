"""After an erasure, Stripe's late news about the customer's cards finds no account to change."""

import time

from sqlalchemy import select

from lgadmin.extensions import db
from lgadmin.payments.models import PaymentMethod
from lgadmin.privacy.service import erase_customer
from tests.factories import AccountFactory, PaymentMethodFactory
from tests.payments.conftest import card_event


def test_a_card_attached_after_the_erasure_is_not_saved_on_the_erased_account(payments_on, deliver):
    customer = AccountFactory(stripe_customer_id="cus_erased")
    manager = AccountFactory(market=customer.market, manager=True)
    PaymentMethodFactory(account=customer, stripe_payment_method_id="pm_old")
    erase_customer(manager, customer.market, customer)
    db.session.commit()

    response = deliver(
        card_event("payment_method.attached", "pm_new", "cus_erased", int(time.time()))
    )

    assert response.status_code == 200
    db.session.expire_all()
    cards = db.session.scalars(
        select(PaymentMethod).where(PaymentMethod.account_id == customer.id)
    ).all()
    assert cards == []

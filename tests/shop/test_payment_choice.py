"""How a shopper may pay is shop.service's rule (payment_choice), not the checkout view's."""

import pytest

from lgadmin.orders.models import PaymentChoice
from lgadmin.shop.service import ShopError, available_payments, pay_placed_order, payment_choice
from tests.factories import AccountFactory


def test_the_balance_and_pickup_are_always_offered_a_card_only_with_payments_on(app):
    shopper = AccountFactory()
    assert available_payments(shopper) == [PaymentChoice.BALANCE, PaymentChoice.PAY_AT_PICKUP]
    assert payment_choice(shopper, "pay_at_pickup") == PaymentChoice.PAY_AT_PICKUP
    assert payment_choice(shopper, "balance") == PaymentChoice.BALANCE


@pytest.mark.parametrize("raw", ["card", "", None, "cash", "<b>"])
def test_a_choice_not_offered_is_refused_with_the_forms_message(app, raw):
    with pytest.raises(ShopError, match="Choose how to pay."):
        payment_choice(AccountFactory(), raw)


def test_only_a_card_choice_charges_anything(app):
    shopper = AccountFactory()
    assert pay_placed_order(object(), shopper, PaymentChoice.BALANCE) is None
    assert pay_placed_order(object(), shopper, PaymentChoice.PAY_AT_PICKUP) is None

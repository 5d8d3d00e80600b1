"""Money reads the same on every screen: the orders pages and checkout's payment choice."""

import re

import pytest

from lgadmin.balance.service import adjust_balance
from lgadmin.extensions import db
from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import apply_payment_to_open_orders
from lgadmin.shop.service import checkout, set_cart_quantity
from tests.factories import AccountFactory, PickupLocationFactory, ProductFactory


@pytest.fixture(autouse=True)
def pickup_locations(market):
    """The market offers pickup locations: Farm Stand."""
    market.pickup_locations_enabled = True
    PickupLocationFactory(market=market, name="Farm Stand")
    db.session.commit()


@pytest.fixture
def product(market):
    return ProductFactory(grower__account__market=market, price_cents=1000, name="Kale")


def place_pay_at_pickup_order(account, market, product):
    set_cart_quantity(account, market, product.id, "2")
    order = checkout(
        account,
        market,
        PaymentChoice.PAY_AT_PICKUP,
        pickup_location_id=market.pickup_locations[0].id,
    )
    db.session.commit()
    return order


def test_orders_show_the_pickup_location_and_a_later_payment_applied_to_open_orders(
    market, product, signed_in
):
    manager = AccountFactory(market=market, manager=True)
    shopper = AccountFactory(market=market, balance_cents=0)
    order = place_pay_at_pickup_order(shopper, market, product)
    adjust_balance(
        shopper.market,
        shopper.id,
        1500,
        "cash",
        "",
        manager,
        pay_orders=apply_payment_to_open_orders,
    )
    db.session.commit()

    html = signed_in(shopper).get("/m/athens/orders").get_data(as_text=True)
    row = re.search(rf"<tr><td>#{order.id}</td>.*?</tr>", html, re.S).group(0)
    assert "Farm Stand" in row
    assert 'lg-balance-applied">$15.00<' in row
    assert "$5.00 due at pickup" in row

    page = signed_in(manager).get(f"/admin/customers/orders/{order.id}").get_data(as_text=True)
    assert "Pickup location: Farm Stand" in page
    assert re.search(r"Balance applied</td><td[^>]*>\$15\.00<", page)
    details = signed_in(manager).get(f"/admin/customers/details/?id={shopper.id}")
    assert "$15.00" in details.get_data(as_text=True)


def checked_payment(html: str) -> str:
    return re.search(r'name="payment_choice" id="pay-\w+" value="(\w+)" checked', html).group(1)


@pytest.mark.parametrize(
    ("balance_cents", "preselected"),
    [(500, "pay_at_pickup"), (1999, "pay_at_pickup"), (2000, "balance"), (5000, "balance")],
)
def test_checkout_preselects_the_balance_only_when_it_covers_the_order(
    market, product, signed_in, balance_cents, preselected
):
    shopper = AccountFactory(market=market, balance_cents=balance_cents)
    set_cart_quantity(shopper, market, product.id, "2")
    db.session.commit()
    html = signed_in(shopper).get("/m/athens/cart").get_data(as_text=True)
    assert checked_payment(html) == preselected
    assert ("your balance doesn't cover this order" in html) == (preselected != "balance")

"""The storefront's cart and checkout, with spec 000's membership and balance rules."""

import re
import threading
from datetime import date, timedelta

import pytest

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.orders.models import CartItem, Order, PaymentChoice
from lgadmin.shop.service import ShopError, checkout, set_cart_quantity
from lgadmin.submissions import AlreadyApplied
from lgadmin.timeutil import market_today
from tests.conftest import csrf_token_from
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    PickupLocationFactory,
    ProductFactory,
)


@pytest.fixture(autouse=True)
def membership_required(market):
    """Membership ($25) is required, after 2 trial orders."""
    market.membership_required = True
    market.membership_price_cents = 2500
    market.trial_orders_allowed = 2
    db.session.commit()


@pytest.fixture
def product(market):
    return ProductFactory(grower__account__market=market, price_cents=1000, name="Kale")


def fill_cart(account, market, product, quantity="2"):
    set_cart_quantity(account, market, product.id, quantity)
    db.session.commit()


def test_trial_orders_count_down_then_membership_is_asked_for(market, product):
    account = AccountFactory(market=market, trial_orders_left=1, balance_cents=10000)
    fill_cart(account, market, product)
    checkout(account, market, PaymentChoice.BALANCE)
    db.session.commit()
    assert account.trial_orders_left == 0
    fill_cart(account, market, product)
    with pytest.raises(ShopError, match="trial orders are used up"):
        checkout(account, market, PaymentChoice.BALANCE)
    db.session.rollback()
    order = checkout(account, market, PaymentChoice.BALANCE, buy_membership=True)
    db.session.commit()
    assert order.includes_membership and order.total_cents == 2000 + 2500
    assert account.membership_expires_on > market_today(account.market) + timedelta(days=360)


def test_members_managers_and_approved_growers_need_no_membership(market, product):
    for account in (
        AccountFactory(
            market=market, membership_expires_on=market_today(market) + timedelta(days=5)
        ),
        AccountFactory(market=market, manager=True),
        GrowerFactory(account__market=market).account,
    ):
        fill_cart(account, market, product)
        order = checkout(account, market, PaymentChoice.PAY_AT_PICKUP)
        db.session.commit()
        assert not order.includes_membership and account.trial_orders_left == 0


def test_balance_must_cover_a_balance_order_but_pay_at_pickup_may_go_negative(market, product):
    account = AccountFactory(market=market, trial_orders_left=2, balance_cents=500)
    fill_cart(account, market, product)
    with pytest.raises(ShopError, match="doesn't cover this order"):
        checkout(account, market, PaymentChoice.BALANCE)
    db.session.rollback()
    order = checkout(account, market, PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    assert account.balance_cents == 500 - 2000
    assert order.balance_applied_cents == 500 and order.amount_due_cents == 1500
    assert db.session.query(CartItem).filter_by(account_id=account.id).count() == 0


def test_pickup_location_is_required_when_the_market_uses_them(market, product):
    market.pickup_locations_enabled = True
    location = PickupLocationFactory(market=market)
    account = AccountFactory(market=market, membership_expires_on=date(2099, 1, 1))
    fill_cart(account, market, product)
    with pytest.raises(ShopError, match="Choose a pickup location."):
        checkout(account, market, PaymentChoice.PAY_AT_PICKUP)
    other = PickupLocationFactory(market=MarketFactory())
    with pytest.raises(ShopError):
        checkout(account, market, PaymentChoice.PAY_AT_PICKUP, pickup_location_id=other.id)
    order = checkout(account, market, PaymentChoice.PAY_AT_PICKUP, pickup_location_id=location.id)
    assert order.pickup_location_id == location.id


def test_another_markets_product_cannot_enter_the_cart(market):
    account = AccountFactory(market=market)
    foreign = ProductFactory(grower__account__market=MarketFactory())
    with pytest.raises(ShopError, match="not available"):
        set_cart_quantity(account, market, foreign.id, "1")


@pytest.mark.parametrize("quantity", ["-1", "abc", "1e9", "NaN", "1000"])
def test_bad_quantities_are_refused(market, product, quantity):
    with pytest.raises(ShopError):
        set_cart_quantity(AccountFactory(market=market), market, product.id, quantity)


def test_shopping_through_the_pages(signed_in, market, product):
    account = AccountFactory(market=market, trial_orders_left=2, balance_cents=3000)
    client = signed_in(account)
    home = client.get("/m/athens/").get_data(as_text=True)
    assert "Kale" in home and "$10.00 / lb" in home
    token = csrf_token_from(home)
    client.post(
        "/m/athens/cart",
        data={"csrf_token": token, "product_id": product.id, "quantity": "abc", "mode": "add"},
    )
    assert "Enter a quantity like 1 or 2.5." in client.get("/m/athens/cart").get_data(as_text=True)
    client.post(
        "/m/athens/cart",
        data={"csrf_token": token, "product_id": product.id, "quantity": "1.5", "mode": "add"},
    )
    cart = client.get("/m/athens/cart").get_data(as_text=True)
    assert 'lg-cart-total">$15.00<' in cart and "2 trial orders left" in cart
    response = client.post(
        "/m/athens/checkout",
        data={"csrf_token": token, "payment_choice": "balance"},
        follow_redirects=True,
    )
    assert "Order #" in response.get_data(as_text=True)
    assert db.session.query(Order).filter_by(account_id=account.id).one().total_cents == 1500
    db.session.expire_all()
    assert db.session.get(Account, account.id).balance_cents == 1500


def test_bad_checkout_input_is_a_message_not_a_500(signed_in, market):
    client = signed_in(AccountFactory(market=market))
    token = csrf_token_from(client.get("/m/athens/cart").get_data(as_text=True))
    empty = client.post(
        "/m/athens/checkout", data={"csrf_token": token, "payment_choice": "balance"}
    )
    assert empty.status_code == 400 and "Your cart is empty." in empty.get_data(as_text=True)
    weird = client.post(
        "/m/athens/checkout", data={"csrf_token": token, "payment_choice": "bitcoin"}
    )
    assert weird.status_code == 400 and "Choose how to pay." in weird.get_data(as_text=True)


def test_shop_pages_belong_to_the_shoppers_own_market(signed_in, market):
    other = MarketFactory(slug="elsewhere")
    client = signed_in(AccountFactory(market=market))
    assert client.get(f"/m/{other.slug}/cart").status_code == 404
    assert client.get("/m/nowhere/cart").status_code == 404


def test_anonymous_visitors_are_sent_to_the_markets_sign_in(client, market):
    response = client.get("/m/athens/cart")
    assert response.status_code == 302 and "/m/athens/sign-in" in response.headers["Location"]


def test_place_order_pressed_twice_places_one_order(signed_in, market, product):
    account = AccountFactory(market=market, trial_orders_left=2, balance_cents=3000)
    client = signed_in(account)
    fill_cart(account, market, product)
    cart = client.get("/m/athens/cart").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(cart),
        "payment_choice": "balance",
        "submission_key": re.search(r'name="submission_key" value="(\w+)"', cart)[1],
    }
    first = client.post("/m/athens/checkout", data=form, follow_redirects=True)
    # The cart is refilled meanwhile: the resent form still must not place it.
    fill_cart(account, market, product)
    again = client.post("/m/athens/checkout", data=form, follow_redirects=True)
    assert "Order #" in first.get_data(as_text=True)
    assert "This order was placed already" in again.get_data(as_text=True)
    assert db.session.query(Order).filter_by(account_id=account.id).count() == 1
    db.session.expire_all()
    assert db.session.get(Account, account.id).balance_cents == 1000


def test_two_checkouts_of_one_form_at_once_place_one_order(app, market, product, postgres_url):
    account = AccountFactory(market=market, trial_orders_left=2, balance_cents=3000)
    fill_cart(account, market, product)
    db.session.commit()
    account_id, outcomes, errors = account.id, [], []

    def worker():
        try:
            with app.app_context():
                shopper = db.session.get(Account, account_id)
                try:
                    checkout(shopper, shopper.market, PaymentChoice.BALANCE, submission_key="k")
                    db.session.commit()
                    outcomes.append("placed")
                except AlreadyApplied:
                    db.session.rollback()
                    outcomes.append("already")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(outcomes) == ["already"] * 3 + ["placed"]
    assert db.session.query(Order).filter_by(account_id=account_id).count() == 1

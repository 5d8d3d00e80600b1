"""The storefront (and so act-as) checks out with the card on file."""

from lgadmin.extensions import db
from lgadmin.orders.models import Order
from lgadmin.shop.service import set_cart_quantity
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, PaymentMethodFactory, ProductFactory


def _shopper_with_card(payments_on, behaviour="succeed"):
    market = MarketFactory(slug="cardmarket")
    customer_id = payments_on.add_customer()
    pm_id = payments_on.add_card(customer_id, behaviour=behaviour, default=True)
    account = AccountFactory(market=market, stripe_customer_id=customer_id)
    PaymentMethodFactory(account=account, stripe_payment_method_id=pm_id)
    product = ProductFactory(grower__account__market=market, price_cents=900)
    set_cart_quantity(account, market, product.id, "2")
    db.session.commit()
    return account


def _checkout(signed_in, account):
    client = signed_in(account)
    cart = client.get("/m/cardmarket/cart").get_data(as_text=True)
    assert "Card on file" in cart
    response = client.post(
        "/m/cardmarket/checkout",
        data={"csrf_token": csrf_token_from(cart), "payment_choice": "card"},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_checkout_with_the_card_on_file_pays_the_order(signed_in, payments_on):
    account = _shopper_with_card(payments_on)
    page = _checkout(signed_in, account)
    assert "Thank you! Order #" in page
    order = db.session.query(Order).filter_by(account_id=account.id).one()
    assert order.amount_due_cents == 0 and order.total_cents == 1800
    db.session.refresh(account)
    assert account.balance_cents == 0


def test_a_declined_card_leaves_the_order_unpaid_with_the_message(signed_in, payments_on):
    account = _shopper_with_card(payments_on, behaviour="decline")
    page = _checkout(signed_in, account)
    assert "is placed but not paid" in page and "declined" in page
    order = db.session.query(Order).filter_by(account_id=account.id).one()
    assert order.amount_due_cents == 1800


def test_no_card_choice_when_payments_are_off(signed_in, payments_off):
    market = MarketFactory(slug="nocards")
    account = AccountFactory(market=market)
    PaymentMethodFactory(account=account)
    product = ProductFactory(grower__account__market=market)
    set_cart_quantity(account, market, product.id, "1")
    db.session.commit()
    cart = signed_in(account).get("/m/nocards/cart").get_data(as_text=True)
    assert "Place order" in cart and "Pay at pickup" in cart
    assert "Card on file" not in cart

"""The address book (specs 001, 003, 004): managers in the details, shoppers in their account."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.addresses.models import Address
from lgadmin.extensions import db
from lgadmin.orders.models import CartItem, Order
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, ProductFactory

HOME = {"line1": "12 Oak St", "city": "Athens", "region": "GA", "postal_code": "30601"}
WORK = {"label": "Work", "line1": "1 College Ave", "city": "Athens", "postal_code": "30602"}


@pytest.fixture
def customer(market):
    return AccountFactory(market=market, email="robin@example.org")


def prefixed(prefix, values):
    return {f"{prefix}-{key}": value for key, value in values.items()}


def book(account):
    db.session.expire_all()
    return db.session.scalars(
        select(Address).where(Address.account_id == account.id).order_by(Address.id)
    ).all()


def test_manager_adds_addresses_and_the_first_is_both_defaults(manager_client, customer):
    html = post(manager_client, customer, "addresses", prefixed("new", HOME), follow=True).get_data(
        as_text=True
    )
    assert "Address saved." in html
    post(manager_client, customer, "addresses", prefixed("new", WORK))
    home, work = book(customer)
    assert home.is_default_billing and home.is_default_shipping
    assert not work.is_default_billing and not work.is_default_shipping
    addresses = section(details(manager_client, customer), "addresses")
    assert "12 Oak St" in addresses and "Work" in addresses and "1 College Ave" in addresses
    assert "Default billing" in addresses and "Default shipping" in addresses
    # The account's own address mirrors the default shipping address.
    assert fresh(Account, customer.id).address_line1 == "12 Oak St"


def test_making_another_address_the_default_shipping_moves_the_mailing_address(
    manager_client, customer
):
    post(manager_client, customer, "addresses", prefixed("new", HOME))
    post(manager_client, customer, "addresses", prefixed("new", WORK))
    work = book(customer)[1]
    post(
        manager_client,
        customer,
        f"addresses/{work.id}",
        prefixed(f"a{work.id}", {**WORK, "default_shipping": "y"}),
    )
    home, work = book(customer)
    assert work.is_default_shipping and not home.is_default_shipping
    assert home.is_default_billing and not work.is_default_billing
    account = fresh(Account, customer.id)
    assert (account.address_line1, account.postal_code) == ("1 College Ave", "30602")


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("line1", "Enter the street address."),
        ("city", "Enter the town or city."),
        ("postal_code", "Enter the postcode or ZIP."),
    ],
)
def test_an_address_missing_a_required_field_is_refused_beside_it(
    manager_client, customer, missing, message
):
    response = post(manager_client, customer, "addresses", prefixed("new", {**HOME, missing: " "}))
    assert response.status_code == 400
    html = section(response.get_data(as_text=True), "addresses")
    assert (
        f'<div class="invalid-feedback d-block" id="new-{missing}-error-1">{message}</div>' in html
    )
    assert 'value="12 Oak St"' in html or missing == "line1"  # what was typed is kept
    assert book(customer) == []


def test_a_bad_edit_keeps_the_saved_address(manager_client, customer):
    post(manager_client, customer, "addresses", prefixed("new", HOME))
    (home,) = book(customer)
    response = post(
        manager_client,
        customer,
        f"addresses/{home.id}",
        prefixed(f"a{home.id}", {**HOME, "city": ""}),
    )
    assert response.status_code == 400 and "Enter the town or city." in response.get_data(
        as_text=True
    )
    assert fresh(Address, home.id).city == "Athens"


def test_removing_the_default_passes_it_on(manager_client, customer):
    post(manager_client, customer, "addresses", prefixed("new", HOME))
    post(manager_client, customer, "addresses", prefixed("new", WORK))
    home, work = book(customer)
    post(manager_client, customer, f"addresses/{home.id}/delete", {})
    (left,) = book(customer)
    assert left.id == work.id and left.is_default_shipping and left.is_default_billing
    assert fresh(Account, customer.id).address_line1 == "1 College Ave"


def test_edit_customer_info_address_goes_into_the_book(manager_client, customer):
    post(
        manager_client,
        customer,
        "edit-info",
        {
            "last_name": "Hayes",
            "email": "robin@example.org",
            "address_line1": "9 Pulaski St",
            "city": "Athens",
            "postal_code": "30601",
            "version": "1",
        },
    )
    (entry,) = book(customer)
    assert entry.line1 == "9 Pulaski St" and entry.is_default_shipping


def test_an_address_of_another_account_or_market_is_not_found(manager_client, market, customer):
    other = AccountFactory(market=market)
    post(manager_client, other, "addresses", prefixed("new", HOME))
    (theirs,) = book(other)
    token = csrf_token_from(details(manager_client, customer))
    response = manager_client.post(
        f"/admin/customers/{customer.id}/addresses/{theirs.id}",
        data={"csrf_token": token, **prefixed(f"a{theirs.id}", WORK)},
    )
    assert response.status_code == 404
    stranger = AccountFactory(market=MarketFactory())
    response = manager_client.post(
        f"/admin/customers/{stranger.id}/addresses",
        data={"csrf_token": token, **prefixed("new", HOME)},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Address)) == 1


def test_address_text_is_shown_as_text(manager_client, customer):
    post(manager_client, customer, "addresses", prefixed("new", {**HOME, "label": "<b>x</b>"}))
    html = section(details(manager_client, customer), "addresses")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_shopper_manages_their_address_book_and_picks_one_at_checkout(signed_in, market):
    shopper = AccountFactory(market=market)
    shop = signed_in(shopper)
    account_page = f"/m/{market.slug}/account"
    token = csrf_token_from(shop.get(account_page).get_data(as_text=True))
    add = f"/m/{market.slug}/account/addresses"
    shop.post(add, data={"csrf_token": token, **prefixed("new", HOME)})
    response = shop.post(add, data={"csrf_token": token, **prefixed("new", {**WORK, "city": ""})})
    assert response.status_code == 400 and "Enter the town or city." in response.get_data(
        as_text=True
    )
    shop.post(add, data={"csrf_token": token, **prefixed("new", WORK)})
    html = shop.get(account_page).get_data(as_text=True)
    assert "Address Book" in html and "12 Oak St" in html and "1 College Ave" in html
    home, work = book(shopper)
    product = ProductFactory(grower__account__market=market, price_cents=500)
    db.session.add(CartItem(account_id=shopper.id, product_id=product.id, quantity=Decimal(1)))
    db.session.commit()
    cart = shop.get(f"/m/{market.slug}/cart").get_data(as_text=True)
    assert "Delivery address" in cart and f'value="{home.id}" selected' in cart
    shop.post(
        f"/m/{market.slug}/checkout",
        data={"csrf_token": token, "payment_choice": "pay_at_pickup", "address_id": str(work.id)},
    )
    order = db.session.scalars(select(Order)).one()
    assert order.delivery_address == "1 College Ave, Athens, 30602"


def test_shopper_cannot_use_someone_elses_address(signed_in, market):
    shopper, other = AccountFactory(market=market), AccountFactory(market=market)
    db.session.add(
        Address(market_id=market.id, account_id=other.id, line1="1 A St", city="X", postal_code="1")
    )
    db.session.commit()
    (theirs,) = book(other)
    shop = signed_in(shopper)
    token = csrf_token_from(shop.get(f"/m/{market.slug}/account").get_data(as_text=True))
    response = shop.post(
        f"/m/{market.slug}/account/addresses/{theirs.id}",
        data={"csrf_token": token, **prefixed(f"a{theirs.id}", HOME)},
    )
    assert response.status_code == 404
    product = ProductFactory(grower__account__market=market, price_cents=500)
    db.session.add(CartItem(account_id=shopper.id, product_id=product.id, quantity=Decimal(1)))
    db.session.commit()
    response = shop.post(
        f"/m/{market.slug}/checkout",
        data={"csrf_token": token, "payment_choice": "pay_at_pickup", "address_id": str(theirs.id)},
    )
    assert response.status_code == 400
    assert "Choose one of your addresses." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_shoppers_address_edit_makes_a_managers_open_form_stale(
    signed_in, manager_client, customer
):
    """The version bump is the address book's rule (addresses.service), not a view's: an
    address the shopper saves in their account refuses the form a manager opened before."""
    opened_at = fresh(Account, customer.id).version
    shop = signed_in(customer)
    page = f"/m/{customer.market.slug}/account"
    token = csrf_token_from(shop.get(page).get_data(as_text=True))
    shop.post(f"{page}/addresses", data={"csrf_token": token, **prefixed("new", HOME)})
    assert fresh(Account, customer.id).version == opened_at + 1
    response = post(
        manager_client,
        customer,
        "edit-info",
        {"version": str(opened_at), "last_name": "Stale", "email": "robin@example.org"},
    )
    assert response.status_code == 409
    account = fresh(Account, customer.id)
    assert account.last_name != "Stale" and account.address_line1 == "12 Oak St"

    home = book(customer)[0]
    shop.post(f"{page}/addresses/{home.id}/delete", data={"csrf_token": token})
    assert fresh(Account, customer.id).version == opened_at + 2

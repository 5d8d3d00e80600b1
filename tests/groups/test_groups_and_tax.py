"""Customer groups with a discount, Tax exempt and VAT ID (spec 004)."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.groups.models import CustomerGroup
from lgadmin.orders.models import CartItem, PaymentChoice
from lgadmin.shop.service import checkout
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, ProductFactory

GROUPS = "/admin/customer-groups/"


def add_group(client, name, discount):
    token = csrf_token_from(client.get(GROUPS).get_data(as_text=True))
    return client.post(
        GROUPS + "add",
        data={"csrf_token": token, "new-name": name, "new-discount_percent": discount},
        follow_redirects=True,
    )


def group(market, **values) -> CustomerGroup:
    made = CustomerGroup(market_id=market.id, **values)
    db.session.add(made)
    db.session.commit()
    return made


def test_manager_creates_a_group_with_a_discount(manager_client, market):
    html = add_group(manager_client, "Wholesale buyers", "12.5").get_data(as_text=True)
    assert "Saved the group Wholesale buyers." in html
    saved = db.session.scalars(select(CustomerGroup)).one()
    assert saved.market_id == market.id and saved.discount_percent == Decimal("12.5")
    assert "12.5 %" in html


@pytest.mark.parametrize(
    ("discount", "message"),
    [
        ("-1", "The discount must be between 0 and 100 %."),
        ("100.5", "The discount must be between 0 and 100 %."),
        ("lots", "Enter the discount as a number, like 10 or 12.5."),
        ("", "Enter a discount from 0 to 100 %."),
        ("10.125", "Use at most two decimals."),
    ],
)
def test_discounts_outside_0_to_100_are_refused_beside_the_field(manager_client, discount, message):
    token = csrf_token_from(manager_client.get(GROUPS).get_data(as_text=True))
    response = manager_client.post(
        GROUPS + "add",
        data={"csrf_token": token, "new-name": "Staff", "new-discount_percent": discount},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        f'<div class="invalid-feedback d-block" id="new-discount_percent-error-1">{message}</div>'
        in html
    )
    assert 'aria-describedby="new-discount_percent-error-1"' in html
    assert db.session.scalars(select(CustomerGroup)).all() == []


def test_a_group_name_is_required_and_unique_in_the_market(manager_client, market):
    group(market, name="Volunteers", discount_percent=Decimal(5))
    response = add_group(manager_client, "volunteers", "5")
    assert "Another group of this market already has that name." in response.get_data(as_text=True)
    assert "Enter a name for the group." in add_group(manager_client, " ", "5").get_data(
        as_text=True
    )


def test_editing_a_group_with_a_bad_discount_keeps_the_old_one(manager_client, market):
    saved = group(market, name="Volunteers", discount_percent=Decimal(5))
    token = csrf_token_from(manager_client.get(GROUPS).get_data(as_text=True))
    response = manager_client.post(
        f"{GROUPS}{saved.id}",
        data={
            "csrf_token": token,
            f"g{saved.id}-name": "Vols",
            f"g{saved.id}-discount_percent": "150",
        },
    )
    assert response.status_code == 400
    kept = fresh(CustomerGroup, saved.id)
    assert kept.name == "Volunteers" and kept.discount_percent == Decimal(5)


def test_account_joins_a_group_and_gets_tax_exempt_and_vat_id(manager_client, market):
    saved = group(market, name="Restaurants", discount_percent=Decimal(10))
    customer = AccountFactory(market=market)
    html = post(
        manager_client,
        customer,
        "group-tax",
        {"customer_group_id": str(saved.id), "tax_exempt": "y", "vat_id": "de 123456789"},
        follow=True,
    ).get_data(as_text=True)
    assert "Group and tax saved." in html
    info = section(html, "account-information")
    assert "Restaurants (10 % off)" in info and "DE 123456789" in info
    assert '<dd class="col-sm-8 lg-tax-exempt">Yes</dd>' in info
    account = fresh(Account, customer.id)
    assert account.customer_group_id == saved.id and account.tax_exempt


def test_a_group_of_another_market_is_refused(manager_client, market):
    foreign = group(MarketFactory(), name="Theirs", discount_percent=Decimal(50))
    customer = AccountFactory(market=market)
    response = post(manager_client, customer, "group-tax", {"customer_group_id": str(foreign.id)})
    assert response.status_code == 400
    assert "Choose one of this market&#39;s customer groups." in section(
        response.get_data(as_text=True), "group-tax"
    )
    assert fresh(Account, customer.id).customer_group_id is None
    assert manager_client.get(f"{GROUPS}").status_code == 200
    token = csrf_token_from(manager_client.get(GROUPS).get_data(as_text=True))
    assert (
        manager_client.post(f"{GROUPS}{foreign.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )


def test_the_group_discount_is_taken_off_at_checkout(market):
    saved = group(market, name="Restaurants", discount_percent=Decimal("12.5"))
    shopper = AccountFactory(market=market, customer_group_id=saved.id, balance_cents=0)
    product = ProductFactory(grower__account__market=market, price_cents=333)
    db.session.add(CartItem(account_id=shopper.id, product_id=product.id, quantity=Decimal(3)))
    db.session.commit()
    order = checkout(shopper, market, PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    # $9.99 less 12.5 % = 124.875 cents off, rounded half up to $1.25; items keep their prices.
    assert order.discount_cents == 125 and order.discount_percent == Decimal("12.5")
    assert order.total_cents == 999 - 125 and order.amount_due_cents == 874
    assert [item.unit_price_cents for item in order.items] == [333]
    assert fresh(Account, shopper.id).balance_cents == -874


def test_the_order_page_shows_the_discount(manager_client, market):
    saved = group(market, name="Restaurants", discount_percent=Decimal(10))
    shopper = AccountFactory(market=market, customer_group_id=saved.id)
    product = ProductFactory(grower__account__market=market, price_cents=1000)
    db.session.add(CartItem(account_id=shopper.id, product_id=product.id, quantity=Decimal(1)))
    db.session.commit()
    order = checkout(shopper, market, PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    html = manager_client.get(f"/admin/customers/orders/{order.id}").get_data(as_text=True)
    assert "Customer group discount (10 %)" in html and "−$1.00" in html


def test_deleting_a_group_leaves_its_members_without_one(manager_client, market):
    saved = group(market, name="Restaurants", discount_percent=Decimal(10))
    member = AccountFactory(market=market, customer_group_id=saved.id)
    token = csrf_token_from(manager_client.get(GROUPS).get_data(as_text=True))
    group_id = saved.id
    manager_client.post(f"{GROUPS}{group_id}/delete", data={"csrf_token": token})
    assert fresh(Account, member.id).customer_group_id is None
    assert fresh(CustomerGroup, group_id) is None


def test_group_names_are_shown_as_text(manager_client, market):
    add_group(manager_client, "<i>VIP</i>", "5")
    html = manager_client.get(GROUPS).get_data(as_text=True)
    assert "&lt;i&gt;VIP&lt;/i&gt;" in html and "<i>VIP</i>" not in html


def test_details_show_the_group_and_tax_fields_editable(manager_client, market):
    customer = AccountFactory(market=market)
    html = section(details(manager_client, customer), "group-tax")
    assert "Customer group" in html and "Tax exempt" in html and "VAT ID" in html

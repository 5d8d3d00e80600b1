"""Guest customers (spec 002): guest orders, the grid's type filter, and inviting a guest to
register with their orders carried over. Proving an address: onboarding/test_verification.py."""

from decimal import Decimal

from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.onboarding.guests import place_guest_order
from lgadmin.orders.models import Order
from tests.accounts.helpers import details, fresh, post, section
from tests.factories import AccountFactory, ProductFactory
from tests.onboarding.helpers import link_in, local_path, post_form

GRID = "/admin/customers/"


def grid_emails(client, query=""):
    import re

    html = client.get(GRID + query).get_data(as_text=True)
    return sorted(re.findall(r"<td>([^<@]+@[^<]+)</td>", html)), html


def guest_order(market, email="guest@example.org"):
    product = ProductFactory(grower__account__market=market, price_cents=700)
    order = place_guest_order(market, email, [(product, Decimal(1))], first_name="Gus")
    db.session.commit()
    return order


def test_a_guest_order_makes_a_guest_customer_listed_as_guest(manager_client, market):
    order = guest_order(market)
    guest = fresh(Account, order.account_id)
    assert guest.is_guest and guest.password_hash is None and guest.email == "guest@example.org"
    AccountFactory(market=market, email="member@example.org")
    emails, html = grid_emails(manager_client)
    assert "guest@example.org" in emails and 'lg-guest">Guest<' in html
    assert grid_emails(manager_client, "?type=guest")[0] == ["guest@example.org"]
    assert "guest@example.org" not in grid_emails(manager_client, "?type=registered")[0]
    assert "All Types" in html and ">Registered<" in html
    info = section(details(manager_client, guest), "account-information")
    assert '<dd class="col-sm-8 lg-type">Guest</dd>' in info


def test_a_second_guest_order_with_the_same_address_joins_the_first(market):
    first, second = guest_order(market), guest_order(market, "GUEST@example.org ")
    assert first.account_id == second.account_id


def test_a_guest_cannot_sign_in(manager_client, market):
    guest = fresh(Account, guest_order(market).account_id)
    from tests.conftest import sign_in

    response = sign_in(manager_client.application.test_client(), guest, password="anything1A")
    assert response.status_code == 200 and "don" in response.get_data(as_text=True)


def test_invite_a_guest_to_register_carries_their_orders_over(app, manager_client, market, mailbox):
    order = guest_order(market)
    guest = fresh(Account, order.account_id)
    html = post(manager_client, guest, "invite-guest", {}, follow=True).get_data(as_text=True)
    assert "Invitation sent to guest@example.org." in html
    signup_url = link_in(mailbox.to("guest@example.org")[0], "/signup")
    shopper = app.test_client()
    response = post_form(
        shopper,
        local_path(signup_url),
        {
            "first_name": "Gus",
            "last_name": "Grant",
            "email": "guest@example.org",
            "password": "Garden123",
            "confirm": "Garden123",
        },
        post_path=local_path(signup_url),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    registered = fresh(Account, guest.id)
    assert not registered.is_guest and registered.is_verified and registered.last_name == "Grant"
    assert fresh(Order, order.id).account_id == guest.id
    orders = shopper.get(f"/m/{market.slug}/orders").get_data(as_text=True)
    assert f"#{order.id}" in orders
    assert db.session.scalars(select(Account).where(Account.email == "guest@example.org")).all()


def test_signing_up_with_a_guests_address_needs_the_emailed_invitation(app, market, mailbox):
    order = guest_order(market)
    shopper = app.test_client()
    response = post_form(
        shopper,
        f"/m/{market.slug}/signup",
        {
            "first_name": "Eve",
            "last_name": "Intruder",
            "email": "guest@example.org",
            "password": "Garden123",
            "confirm": "Garden123",
        },
    )
    assert response.status_code == 302
    guest = fresh(Account, order.account_id)
    assert guest.is_guest and guest.password_hash is None and guest.last_name == ""
    assert len(mailbox.to("guest@example.org")) == 1  # the invitation, to the real owner


def test_only_guests_can_be_invited(manager_client, market):
    registered = AccountFactory(market=market)
    html = post(manager_client, registered, "invite-guest", {}, follow=True).get_data(as_text=True)
    assert "Only guest customers can be invited to register." in html


def test_nobody_can_act_as_a_guest(manager_client, market):
    guest = fresh(Account, guest_order(market).account_id)
    assert f'href="/admin/customers/{guest.id}/act-as"' not in details(manager_client, guest)
    page = manager_client.get(f"/admin/customers/{guest.id}/act-as").get_data(as_text=True)
    assert "A guest has no account to act in; invite them to register first." in page

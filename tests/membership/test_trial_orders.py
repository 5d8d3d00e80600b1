"""Trial orders (spec 000): every new account starts with the market's trial orders, whatever
way it came to be, and a shopper on trial orders without a membership until they run out."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.onboarding.csv_import import carry_out_import, create_preview
from lgadmin.onboarding.guests import guest_account, invite_guest, place_guest_order
from lgadmin.onboarding.invitations import send_invitations
from lgadmin.onboarding.models import Invitation
from lgadmin.onboarding.service import create_customer, sign_up
from lgadmin.orders.models import Order
from tests.accounts.helpers import details, fresh, section
from tests.conftest import csrf_token_from
from tests.factories import MarketFactory, ProductFactory
from tests.onboarding.helpers import post_form

PASSWORD = "Carrots42"


@pytest.fixture(autouse=True)
def membership_required(market):
    """Membership ($25) is required, after 3 trial orders."""
    market.membership_required = True
    market.membership_price_cents = 2500
    market.trial_orders_allowed = 3
    db.session.commit()


def _account(market, email) -> Account:
    db.session.expire_all()
    return db.session.scalars(
        select(Account).where(Account.market_id == market.id, Account.email == email)
    ).one()


def _details(first, last, email) -> dict:
    return {"first_name": first, "last_name": last, "email": email}


def test_every_way_an_account_is_created_starts_it_with_the_markets_trial_orders(
    app, signed_in, market, manager
):
    # One at a time, through the Add Customers window.
    response = post_form(signed_in(manager), "/admin/customers/", _details("O", "One", "one@x.org"),
                         post_path="/admin/customers/add")  # fmt: skip
    assert response.status_code == 200
    # The manager's service directly, as the form's view calls it.
    create_customer(manager, market, _details("S", "Service", "svc@x.org"), source="test")
    # A CSV row.
    preview = create_preview(
        manager, market, b"first name,last name,email\nC,Csv,csv@x.org\n", "c.csv"
    )
    assert carry_out_import(manager, market, preview)
    # Plain signup on the storefront.
    response = post_form(
        app.test_client(),
        f"/m/{market.slug}/signup",
        {**_details("P", "Plain", "plain@x.org"), "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302
    # Signup through an invitation.
    send_invitations(manager, market, "invited@x.org", "", "key-1")
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.email == "invited@x.org")
    ).one()
    sign_up(market, _details("I", "Invited", "invited@x.org"), PASSWORD, invitation=invitation)
    # A guest order, then the guest invited to register.
    product = ProductFactory(grower__account__market=market, price_cents=700)
    place_guest_order(market, "guest@x.org", [(product, Decimal(1))], first_name="G")
    db.session.commit()
    guest = _account(market, "guest@x.org")
    assert guest.trial_orders_left == 3  # a guest row is an account of the market too
    guest.trial_orders_left = 0  # whatever it had, registering starts the trials
    invitation = invite_guest(manager, market, guest)
    db.session.commit()
    sign_up(market, _details("G", "Guest", "guest@x.org"), PASSWORD, invitation=invitation)

    for email in ("one", "svc", "csv", "plain", "invited", "guest"):
        account = _account(market, f"{email}@x.org")
        assert not account.is_guest
        assert account.trial_orders_left == 3, email


def test_a_market_without_trial_orders_starts_accounts_with_none(manager):
    market = MarketFactory(membership_required=True, trial_orders_allowed=0)
    created = create_customer(manager, market, _details("N", "None", "n@x.org"), source="test")
    assert created.trial_orders_left == 0
    assert guest_account(market, "g@x.org").trial_orders_left == 0


def test_a_new_shopper_sees_the_trials_and_orders_without_membership_and_counts_them_down(
    app, signed_in, market, manager
):
    shopper = app.test_client()
    response = post_form(
        shopper,
        f"/m/{market.slug}/signup",
        {**_details("Tia", "Trial", "tia@x.org"), "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302
    account = _account(market, "tia@x.org")
    membership = section(details(signed_in(manager), account), "membership")
    assert "Not a member · 3 trial orders remaining" in membership

    product = ProductFactory(grower__account__market=market, price_cents=1000, name="Kale")
    home = shopper.get(f"/m/{market.slug}/").get_data(as_text=True)
    token = csrf_token_from(home)
    for left in (2, 1, 0):
        shopper.post(
            f"/m/{market.slug}/cart",
            data={"csrf_token": token, "product_id": product.id, "quantity": "1", "mode": "add"},
        )
        cart = shopper.get(f"/m/{market.slug}/cart").get_data(as_text=True)
        assert f"{left + 1} trial order" in cart
        response = shopper.post(
            f"/m/{market.slug}/checkout",
            data={"csrf_token": token, "payment_choice": "pay_at_pickup"},
            follow_redirects=True,
        )
        assert "Order #" in response.get_data(as_text=True)
        assert fresh(Account, account.id).trial_orders_left == left
    orders = db.session.scalars(select(Order).where(Order.account_id == account.id)).all()
    assert len(orders) == 3 and not any(order.includes_membership for order in orders)
    membership = section(details(signed_in(manager), account), "membership")
    assert "Not a member · 0 trial orders remaining" in membership

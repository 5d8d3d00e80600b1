"""Verified customers (spec 001): the grid's filter, the details, and proving an address by
the set-password link or the sign-up confirmation; a changed email is unverified again."""

import re

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory
from tests.onboarding.helpers import link_in, local_path, post_form

GRID = "/admin/customers/"


@pytest.fixture(autouse=True)
def verified_manager(manager):
    """The manager here has proven their address: the grid lists them among the verified."""
    manager.email_verified_at = utcnow()
    db.session.commit()
    return manager


def grid_emails(client, query=""):
    html = client.get(GRID + query).get_data(as_text=True)
    return sorted(re.findall(r"<td>([^<@]+@[^<]+)</td>", html)), html


def test_the_grid_shows_and_filters_verified_and_unverified(manager_client, market, manager):
    AccountFactory(market=market, email="new@example.org")
    AccountFactory(market=market, email="proven@example.org", email_verified_at=utcnow())
    emails, html = grid_emails(manager_client)
    assert "Unverified" in html and 'aria-label="Verified"' in html
    assert grid_emails(manager_client, "?verified=unverified")[0] == ["new@example.org"]
    assert grid_emails(manager_client, "?verified=verified")[0] == [
        manager.email,
        "proven@example.org",
    ]


def test_details_say_verified_or_unverified(manager_client, market):
    new = AccountFactory(market=market)
    assert "Unverified" in section(details(manager_client, new), "account-information")


def test_the_set_password_link_verifies_the_address(app, manager_client, market, mailbox):
    token = csrf_token_from(manager_client.get(GRID).get_data(as_text=True))
    manager_client.post(
        "/admin/customers/add",
        data={"csrf_token": token, "first_name": "Ann", "last_name": "Lee", "email": "ann@x.org"},
    )
    account = db.session.scalars(select(Account).where(Account.email == "ann@x.org")).one()
    assert account.email_verified_at is None
    path = local_path(link_in(mailbox.to("ann@x.org")[0], "/set-password/"))
    shopper = app.test_client()
    post_form(shopper, path, {"password": "Garden123", "confirm": "Garden123"})
    assert fresh(Account, account.id).is_verified


def test_signup_sends_a_confirmation_link_that_verifies(app, market, mailbox):
    shopper = app.test_client()
    post_form(
        shopper,
        f"/m/{market.slug}/signup",
        {
            "first_name": "Sam",
            "last_name": "Green",
            "email": "sam@example.org",
            "password": "Garden123",
            "confirm": "Garden123",
        },
    )
    account = db.session.scalars(select(Account).where(Account.email == "sam@example.org")).one()
    assert not account.is_verified
    (message,) = mailbox.to("sam@example.org")
    path = local_path(link_in(message, "/confirm-email/"))
    html = shopper.get(path, follow_redirects=True).get_data(as_text=True)
    assert "Thank you: sam@example.org is confirmed." in html
    assert fresh(Account, account.id).is_verified
    again = shopper.get(path, follow_redirects=True).get_data(as_text=True)
    assert "That confirmation link has expired or was already used." in again


def test_changing_the_email_makes_the_account_unverified_again(manager_client, market):
    customer = AccountFactory(market=market, email_verified_at=utcnow(), last_name="Hayes")
    post(
        manager_client, customer, "edit-info", {"last_name": "Hayes", "email": "other@example.org"}
    )
    assert not fresh(Account, customer.id).is_verified

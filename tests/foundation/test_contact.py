"""One rule for email addresses: every way an address comes in gives the same stored form."""

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.auth.service import authenticate
from lgadmin.contact import email_is_valid, normalize_email
from lgadmin.customers.service import InvalidField, normalize_account_email
from lgadmin.extensions import db
from lgadmin.onboarding import values
from tests.conftest import sign_in
from tests.factories import PASSWORD, AccountFactory
from tests.onboarding.helpers import post_form


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Ann@Example.ORG ", "ann@example.org"),
        ("Ann  @example.org", "ann @example.org"),  # cleaned, then refused as invalid
        ("ANN@xn--bcher-kva.de", "ann@bücher.de"),  # the IDNA spelling of the same domain
        ("Ann@Bücher.de", "ann@bücher.de"),
        ("ann\x00@example.org", "ann@example.org"),
    ],
)
def test_every_way_in_reads_an_address_the_same(typed, stored):
    assert normalize_email(typed) == stored
    assert values.normalize_email(typed) == stored  # Add Customers, signup, import, invitations
    if email_is_valid(stored):
        assert normalize_account_email(typed) == stored  # Edit Customer Info
    else:
        assert values.email_problem(values.normalize_email(typed)) == "invalid email"
        with pytest.raises(InvalidField):
            normalize_account_email(typed)


def test_an_address_signs_in_however_its_domain_is_spelled(client):
    shopper = AccountFactory(email="ann@bücher.de")
    assert sign_in(client, shopper, email="ANN@xn--bcher-kva.de").status_code == 302
    assert authenticate(shopper.market, "Ann@Bücher.de", PASSWORD).id == shopper.id


def test_add_one_refuses_an_address_already_there_in_another_spelling(signed_in):
    manager = AccountFactory(manager=True)
    AccountFactory(market=manager.market, email="ann@bücher.de")
    response = post_form(
        signed_in(manager),
        "/admin/customers/",
        {"first_name": "Ann", "last_name": "Lee", "email": "Ann@xn--bcher-kva.de"},
        post_path="/admin/customers/add",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert "already has an account" in response.get_data(as_text=True)
    db.session.expire_all()
    emails = db.session.scalars(
        select(Account.email).where(Account.market_id == manager.market_id)
    ).all()
    assert sorted(emails) == sorted([manager.email, "ann@bücher.de"])

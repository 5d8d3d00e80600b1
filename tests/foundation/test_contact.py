"""One rule for email addresses: every way an address comes in gives the same stored form."""

import pytest
from markupsafe import escape
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.auth.service import authenticate
from lgadmin.contact import (
    EMAIL_HAS_SPACE,
    EMAIL_MESSAGES,
    InvalidPhone,
    normalize_email,
    parse_phone,
)
from lgadmin.extensions import db
from lgadmin.onboarding.csv_import import check_rows
from lgadmin.onboarding.invitations import send_invitations
from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD, AccountFactory, MarketFactory
from tests.onboarding.helpers import post_form

# The problem a stray space inside an address is refused for, said apart from any other.
EMAIL_PROBLEM = EMAIL_HAS_SPACE


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Ann@Example.ORG ", "ann@example.org"),
        ("Ann  @example.org", "ann @example.org"),  # cleaned, then refused
        ("Ann\t@example.org", "ann @example.org"),  # a tab is a space like any other
        ("'-ann@example.org", "-ann@example.org"),  # the apostrophe our exports add
        ("ANN@xn--bcher-kva.de", "ann@bücher.de"),  # the IDNA spelling of the same domain
        ("Ann@Bücher.de", "ann@bücher.de"),
        ("ann\x00@example.org", "ann@example.org"),
    ],
)
def test_one_rule_reads_an_address(typed, stored):
    assert normalize_email(typed) == stored


def test_one_rule_reads_a_phone():
    assert parse_phone("'+1 706 555 0123", "US") == "+17065550123"  # as exported
    assert parse_phone(" (706) 555-0123 ", "US") == "+17065550123"
    assert parse_phone("", "US") == ""
    with pytest.raises(InvalidPhone):
        parse_phone("12", "US")


# Each way an address comes in, given "Ann  @example.org", refuses it and stores nothing.
STRAY_SPACE = "Ann  @example.org"


def _no_account_with_a_space(market):
    emails = db.session.scalars(select(Account.email).where(Account.market_id == market.id))
    assert all(" " not in email for email in emails)


def test_add_customer_refuses_a_space_in_the_address(signed_in):
    manager = AccountFactory(manager=True)
    response = post_form(
        signed_in(manager),
        "/admin/customers/",
        {"first_name": "Ann", "last_name": "Lee", "email": STRAY_SPACE},
        post_path="/admin/customers/add",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert escape(EMAIL_MESSAGES[EMAIL_PROBLEM]) in response.get_data(as_text=True)
    _no_account_with_a_space(manager.market)


def test_the_import_skips_a_row_with_a_space_in_the_address():
    market = MarketFactory()
    rows = check_rows(
        market, [(2, {"first name": "Ann", "last name": "Lee", "email": STRAY_SPACE})]
    )
    assert rows[0]["problems"] == ["space in email"]


def test_edit_info_refuses_a_space_in_the_address(signed_in):
    manager = AccountFactory(manager=True)
    customer = AccountFactory(market=manager.market, email="ann@example.org")
    client = signed_in(manager)
    page = client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/customers/{customer.id}/edit-info",
        data={
            "csrf_token": csrf_token_from(page),
            "version": str(customer.version),
            "first_name": "Ann",
            "last_name": "Lee",
            "email": STRAY_SPACE,
            "phone": "",
        },
    )
    assert response.status_code == 400
    assert escape(EMAIL_MESSAGES[EMAIL_PROBLEM]) in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, customer.id).email == "ann@example.org"


def test_an_invitation_to_an_address_with_a_space_is_not_sent(signed_in, mailbox):
    manager = AccountFactory(manager=True)
    batch, _ = send_invitations(manager, manager.market, STRAY_SPACE, "", "key-1")
    assert batch.summary["sent"] == [] and batch.summary["not_email"] == ["Ann @example.org"]
    assert mailbox.messages() == []


def test_signup_refuses_a_space_in_the_address(app):
    market = MarketFactory()
    response = post_form(
        app.test_client(),
        f"/m/{market.slug}/signup",
        {"first_name": "Ann", "last_name": "Lee", "email": STRAY_SPACE, "password": "Carrots42",
         "confirm": "Carrots42"},
    )  # fmt: skip
    assert response.status_code == 400
    assert escape(EMAIL_MESSAGES[EMAIL_PROBLEM]) in response.get_data(as_text=True)
    _no_account_with_a_space(market)


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

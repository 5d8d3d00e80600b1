"""Signup does not reveal whether an address is a guest shopper's or a member's: the page
answers the same, and the address's owner learns by email what applies to them."""

import re
from decimal import Decimal

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.onboarding.guests import place_guest_order
from tests.factories import AccountFactory, ProductFactory
from tests.onboarding.helpers import link_in, post_form, text_of


def signup(app, email: str):
    client = app.test_client()
    data = {
        "first_name": "Eve",
        "last_name": "Prober",
        "email": email,
        "password": "Garden123",
        "confirm": "Garden123",
    }
    response = post_form(client, "/m/athens/signup", data)
    page = (
        client.get(response.headers["Location"]).get_data(as_text=True) if response.location else ""
    )
    page = re.sub(r'name="csrf_token"[^>]*>', "", page)  # a fresh token on every page
    return response, page.replace(email, "ADDRESS")


def test_a_guests_address_and_a_members_get_the_same_answer(app, market, mailbox):
    product = ProductFactory(grower__account__market=market)
    order = place_guest_order(market, "guest@example.org", [(product, Decimal(1))])
    db.session.commit()
    guest = db.session.get(Account, order.account_id)
    member = AccountFactory(market=market, email="member@example.org", first_name="Mel")
    as_guest, guest_page = signup(app, "guest@example.org")
    as_member, member_page = signup(app, "member@example.org")
    assert as_guest.status_code == as_member.status_code == 302
    assert as_guest.headers["Location"] == as_member.headers["Location"]
    assert guest_page == member_page
    assert "we&#39;ve emailed it what to do next" in member_page
    assert "guest" not in member_page.lower()
    # The details go to the address: an invitation for the guest, a reminder for the member.
    (invitation,) = mailbox.to("guest@example.org")
    assert invitation["Subject"] == "You're invited to shop at Athens Locally Grown"
    assert "/m/athens/signup?invitation=" in text_of(invitation)
    (reminder,) = mailbox.to("member@example.org")
    assert reminder["Subject"] == "Your Athens Locally Grown account"
    assert "already has an account there" in text_of(reminder)
    assert link_in(reminder, "/m/athens/sign-in") and link_in(reminder, "/forgot-password")
    # Nothing changed on either account, and nobody was signed in.
    db.session.expire_all()
    assert db.session.get(Account, guest.id).password_hash is None
    assert db.session.get(Account, member.id).last_name == member.last_name != "Prober"


def test_a_new_address_still_signs_up_at_once(app, market, mailbox):
    response, _ = signup(app, "new@example.org")
    assert response.headers["Location"].endswith("/m/athens/account")
    assert db.session.query(Account).filter_by(email="new@example.org").one().password_hash

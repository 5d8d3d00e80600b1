"""Sign in by an emailed link (spec 004): single use, 15 minutes, only at its own market,
and the request page never says whether an address has an account."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lgadmin.accounts.models import Account
from lgadmin.auth.links import send_sign_in_link
from lgadmin.extensions import db
from lgadmin.onboarding.models import Token, TokenPurpose
from lgadmin.onboarding.tokens import hash_token
from lgadmin.timeutil import utcnow
from tests.accounts.helpers import fresh
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory
from tests.onboarding.helpers import link_in, local_path, post_form


@pytest.fixture(autouse=True)
def sign_in_links_on(market):
    """Every test here runs with sign-in links on in the market."""
    market.sign_in_link_enabled = True
    db.session.commit()


def ask_for_link(client, market, email):
    return post_form(
        client, f"/m/{market.slug}/sign-in/link", {"email": email}, follow_redirects=True
    )


def link_path(mailbox, email="sam@example.org") -> str:
    (message,) = mailbox.to(email)
    return local_path(link_in(message, "/sign-in/link/"))


def use(client, path):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


def test_the_sign_in_page_offers_the_link_when_the_market_allows_it(client, market):
    html = client.get(f"/m/{market.slug}/sign-in").get_data(as_text=True)
    assert "Email me a sign-in link instead" in html
    closed = MarketFactory(sign_in_link_enabled=False)
    assert "Email me a sign-in link" not in client.get(f"/m/{closed.slug}/sign-in").get_data(
        as_text=True
    )
    assert client.get(f"/m/{closed.slug}/sign-in/link").status_code == 404


def test_a_link_signs_the_shopper_in_once_and_verifies_the_address(app, market, shopper, mailbox):
    client = app.test_client()
    html = ask_for_link(client, market, " Sam@Example.org ").get_data(as_text=True)
    assert "If sam@example.org has an account at Athens Locally Grown" in html
    path = link_path(mailbox)
    assert client.get(path).status_code == 200  # a page with a button: opening it uses nothing
    response = use(client, path)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get(f"/m/{market.slug}/account").status_code == 200
    account = fresh(Account, shopper.id)
    assert account.is_verified and account.last_sign_in_at is not None
    # Used: a second visit changes nothing and says so.
    again = app.test_client()
    html = again.get(path, follow_redirects=True).get_data(as_text=True)
    assert "That sign-in link has expired or was already used." in html
    assert again.get(f"/m/{market.slug}/account").status_code == 302


def test_the_answer_is_the_same_for_an_address_without_an_account(app, market, mailbox):
    html = ask_for_link(app.test_client(), market, "nobody@example.org").get_data(as_text=True)
    assert "If nobody@example.org has an account at Athens Locally Grown, we&#39;ve sent" in html
    assert mailbox.messages() == []


def test_the_link_is_stored_hashed_and_valid_for_fifteen_minutes(app, market, shopper, mailbox):
    ask_for_link(app.test_client(), market, "sam@example.org")
    raw = link_path(mailbox).rsplit("/", 1)[1]
    token = db.session.scalars(select(Token)).one()
    assert token.purpose == TokenPurpose.SIGN_IN_LINK and token.token_hash == hash_token(raw)
    assert raw not in token.token_hash
    assert token.expires_at - token.created_at == timedelta(minutes=15)


def test_an_expired_link_is_refused(app, market, shopper, mailbox):
    ask_for_link(app.test_client(), market, "sam@example.org")
    path = link_path(mailbox)
    db.session.execute(update(Token).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    client = app.test_client()
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "That sign-in link has expired or was already used." in html
    assert client.get(f"/m/{market.slug}/account").status_code == 302
    assert not fresh(Account, shopper.id).is_verified


def test_the_link_works_only_in_its_market(app, market, shopper, mailbox):
    other = MarketFactory(slug="riverside", sign_in_link_enabled=True)
    ask_for_link(app.test_client(), market, "sam@example.org")
    path = link_path(mailbox).replace("/m/athens/", f"/m/{other.slug}/")
    client = app.test_client()
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "That sign-in link has expired or was already used." in html
    assert db.session.scalars(select(Token)).one().used_at is None


def test_a_newer_link_retires_the_older_one(app, market, shopper, mailbox):
    ask_for_link(app.test_client(), market, "sam@example.org")
    first = link_path(mailbox)
    mailbox.seen |= set(mailbox.folder.glob("*.eml"))
    ask_for_link(app.test_client(), market, "sam@example.org")
    client = app.test_client()
    assert "already used" in client.get(first, follow_redirects=True).get_data(as_text=True)


def test_guests_inactive_accounts_and_other_markets_get_no_link(market, mailbox):
    AccountFactory(market=market, email="guest@example.org", is_guest=True, password_hash=None)
    AccountFactory(market=market, email="off@example.org", active=False)
    AccountFactory(market=MarketFactory(sign_in_link_enabled=True), email="else@example.org")
    for email in ("guest@example.org", "off@example.org", "else@example.org"):
        assert send_sign_in_link(market.id, email, "http://localhost/") is False
    assert mailbox.messages() == []


def test_at_most_five_links_an_hour(market, shopper, mailbox):
    sent = [send_sign_in_link(market.id, "sam@example.org", "http://localhost/") for _ in range(6)]
    assert sent == [True] * 5 + [False]


def test_a_bad_email_gets_a_message_beside_the_field(client, market):
    response = post_form(client, f"/m/{market.slug}/sign-in/link", {"email": ""})
    assert response.status_code == 400
    assert "Enter your email address." in response.get_data(as_text=True)

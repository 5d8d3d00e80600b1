"""What the customer experiences: the welcome link, forgot password, signup, and signing in."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.accounts.passwords import password_problem
from lgadmin.extensions import db
from lgadmin.onboarding.emails import send_welcome_email
from lgadmin.onboarding.models import Token
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory
from tests.onboarding.helpers import link_in, local_path, post_form, text_of

LIST = "/admin/customers/"


def _create_one(client, email="new@example.org"):
    return post_form(
        client,
        LIST,
        {"first_name": "Nia", "last_name": "New", "email": email},
        post_path="/admin/customers/add",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )


def _set_password(client, path, password="Tomatoes7", confirm=None):
    page = client.get(path)
    if page.status_code != 200:
        return page
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "password": password, "confirm": confirm or password}
    return client.post(path, data=data)


@pytest.mark.parametrize(
    "password, good",
    [("Tomatoes7", True), ("tomatoes7", False), ("TOMATOES7", False), ("Tomatoes", False),
     ("Tom7", False), ("Ünïcode9x", True)],
)  # fmt: skip
def test_password_rules(password, good):
    assert (password_problem(password) is None) is good


def test_welcome_link_from_the_outbox_sets_a_password_and_signs_in(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    (welcome,) = mailbox.to("new@example.org")
    path = local_path(link_in(welcome, "/set-password/"))
    shopper = app.test_client()
    form = shopper.get(path)
    assert form.status_code == 200
    assert form.headers["Referrer-Policy"] == "no-referrer"
    assert "new@example.org" in form.get_data(as_text=True)

    weak = _set_password(shopper, path, "short")
    assert weak.status_code == 400
    assert "at least 8 characters" in weak.get_data(as_text=True)
    mismatch = _set_password(shopper, path, "Tomatoes7", "Tomatoes8")
    assert "The passwords don&#39;t match." in mismatch.get_data(as_text=True)

    done = _set_password(shopper, path)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/m/{manager.market.slug}/sign-in")
    account = db.session.scalars(select(Account).where(Account.email == "new@example.org")).one()
    signed = sign_in(shopper, account, password="Tomatoes7")
    assert signed.status_code == 302
    assert signed.headers["Location"].endswith(f"/m/{manager.market.slug}/account")
    assert "Hello, Nia" in shopper.get(signed.headers["Location"]).get_data(as_text=True)

    # The link works once: used, it leads to "Forgot password".
    again = app.test_client().get(path)
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/m/{manager.market.slug}/forgot-password")


def test_the_token_is_stored_hashed_and_valid_for_seven_days(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    raw = link_in(mailbox.messages()[0], "/set-password/").rsplit("/", 1)[1]
    token = db.session.scalars(select(Token)).one()
    assert raw not in token.token_hash and len(token.token_hash) == 64
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)


def test_an_expired_link_leads_to_forgot_password(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    path = local_path(link_in(mailbox.messages()[0], "/set-password/"))
    token = db.session.scalars(select(Token)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(path, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "That link has expired or was already used." in page
    assert '<h1 class="h3 mb-3">Forgot password</h1>' in page


def test_a_newer_link_retires_the_older_one(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    account = db.session.scalars(select(Account).where(Account.email == "new@example.org")).one()
    with app.test_request_context():
        send_welcome_email(account.id, "http://localhost/")
    first, second = mailbox.messages()
    old = local_path(link_in(first, "/set-password/"))
    new = local_path(link_in(second, "/set-password/"))
    assert old != new
    assert app.test_client().get(old).status_code == 302
    assert _set_password(app.test_client(), new).status_code == 302


def test_forgot_password_says_the_same_whether_or_not_the_address_has_an_account(app, mailbox):
    market = MarketFactory(name="Athens Locally Grown")
    account = AccountFactory(market=market, email="known@example.org", first_name="Kim")
    client = app.test_client()
    sign_in_page = client.get(f"/m/{market.slug}/sign-in").get_data(as_text=True)
    assert f'href="/m/{market.slug}/forgot-password">Forgot password</a>' in sign_in_page
    path = f"/m/{market.slug}/forgot-password"
    answers = []
    for email in ("Known@Example.org ", "unknown@example.org"):
        response = post_form(client, path, {"email": email}, follow_redirects=True)
        text = response.get_data(as_text=True)
        # The CSRF token carries the time it was signed: a second may pass between the two.
        text = re.sub(r'name="csrf_token"[^>]*>', "CSRF", text)
        answers.append(text.replace(email.strip().lower(), "ADDRESS"))
    assert answers[0] == answers[1]
    assert "we&#39;ve sent it a link to choose a new password" in answers[0]
    (reset,) = mailbox.messages()
    assert reset["To"] == "known@example.org"
    assert reset["Subject"] == "Reset your Athens Locally Grown password"
    assert "Someone asked to reset the password" in text_of(reset)
    path = local_path(link_in(reset, "/reset-password/"))
    assert _set_password(app.test_client(), path, "Potatoes9").status_code == 302
    assert sign_in(app.test_client(), account, password="Potatoes9").status_code == 302


def test_forgot_password_gives_a_manager_created_account_a_fresh_link(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    welcome_path = local_path(link_in(mailbox.messages()[0], "/set-password/"))
    post_form(
        app.test_client(), f"/m/{manager.market.slug}/forgot-password", {"email": "new@example.org"}
    )
    reset = mailbox.messages()[1]
    assert app.test_client().get(welcome_path).status_code == 302  # retired by the newer link
    assert (
        _set_password(app.test_client(), local_path(link_in(reset, "/reset-password/"))).status_code
        == 302
    )


def test_a_token_of_another_market_is_not_accepted(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _create_one(signed_in(manager))
    path = local_path(link_in(mailbox.messages()[0], "/set-password/"))
    other = MarketFactory()
    elsewhere = path.replace(f"/m/{manager.market.slug}/", f"/m/{other.slug}/")
    assert app.test_client().get(elsewhere).status_code == 302


def test_signup_creates_an_account_and_signs_in(app):
    market = MarketFactory(pickup_locations_enabled=True, name="Athens Locally Grown")
    pickup = PickupLocationFactory(market=market, name="Downtown")
    client = app.test_client()
    path = f"/m/{market.slug}/signup"
    page = client.get(path).get_data(as_text=True)
    for label in (
        "First name",
        "Last name",
        "Email",
        "Phone",
        "Address",
        "Pickup location",
        "Password",
    ):
        assert f">{label}</label>" in page
    response = post_form(
        client,
        path,
        {
            "first_name": "Zoë",
            "last_name": "D'Arcy-Ng",
            "email": " Zoe@Example.org",
            "phone": "706 543 1234",
            "address_line1": "1 Main St",
            "city": "Athens",
            "region": "GA",
            "postal_code": "03060",
            "pickup_location_id": str(pickup.id),
            "password": "Carrots42",
            "confirm": "Carrots42",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/m/{market.slug}/account")
    assert "Hello, Zoë" in client.get(response.headers["Location"]).get_data(as_text=True)
    account = db.session.scalars(select(Account).where(Account.market_id == market.id)).one()
    assert (account.email, account.phone, account.postal_code) == (
        "zoe@example.org",
        "+17065431234",
        "03060",
    )
    assert account.pickup_location_id == pickup.id and account.password_hash
    assert sign_in(app.test_client(), account, password="Carrots42").status_code == 302


def test_signup_checks_the_details_and_the_password_rules(app):
    market = MarketFactory()
    AccountFactory(market=market, email="taken@example.org")
    path = f"/m/{market.slug}/signup"
    base = {"first_name": "A", "last_name": "B", "email": "a@example.org"}
    weak = post_form(
        app.test_client(), path, {**base, "password": "password", "confirm": "password"}
    )
    assert weak.status_code == 400
    assert "at least 8 characters, with an upper-case letter" in weak.get_data(as_text=True)
    taken = post_form(
        app.test_client(),
        path,
        {**base, "email": "TAKEN@example.org", "password": "Carrots42", "confirm": "Carrots42"},
    )
    assert taken.status_code == 302  # told by email, as a guest would be (issue 19)
    bad = post_form(
        app.test_client(),
        path,
        {"first_name": "", "last_name": "<b>x</b>", "email": "nope", "password": "Carrots42",
         "confirm": "Carrots42"},
    )  # fmt: skip
    html = bad.get_data(as_text=True)
    assert "This field is required." in html and "Enter a valid email address." in html
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in html
    assert db.session.scalars(select(Account).where(Account.market_id == market.id)).all()[
        0
    ].email == ("taken@example.org")


def test_signup_of_an_unknown_market_is_not_found(client):
    assert client.get("/m/nowhere/signup").status_code == 404
    assert client.get("/m/nowhere/forgot-password").status_code == 404


def test_links_in_mail_use_the_configured_public_address_not_the_host_header(
    app, monkeypatch, mailbox
):
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://shop.example.org/")
    # As in production, where every Host is served unless LGADMIN_TRUSTED_HOSTS lists them.
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", None)
    market = MarketFactory()
    AccountFactory(market=market, email="known@example.org")
    client, path = app.test_client(), f"/m/{market.slug}/forgot-password"
    forged = "http://evil.example.com"
    token = csrf_token_from(client.get(path, base_url=forged).get_data(as_text=True))
    data = {"csrf_token": token, "email": "known@example.org"}
    assert client.post(path, data=data, base_url=forged).status_code == 302
    link = link_in(mailbox.messages()[0], "/reset-password/")
    assert link.startswith(f"https://shop.example.org/m/{market.slug}/reset-password/")

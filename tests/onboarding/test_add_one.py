"""Add Customers → One at a time."""

import threading

from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.onboarding.service import AlreadyHasAccount, create_customer
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory
from tests.onboarding.helpers import link_in, post_form, text_of

LIST = "/admin/customers/"
WINDOW = "/admin/customers/add-window"  # the Add Customers window, fetched by the grid
ADD = "/admin/customers/add"
XHR = {"X-Requested-With": "XMLHttpRequest"}


def _accounts(market):
    db.session.expire_all()
    return db.session.scalars(
        select(Account).where(Account.market_id == market.id, Account.is_manager.is_(False))
    ).all()


def _add(client, **data):
    return post_form(client, LIST, data, post_path=ADD, headers=XHR)


def test_the_list_has_an_add_customers_window_with_three_tabs(signed_in):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    grid = client.get(LIST).get_data(as_text=True)
    # The button fetches the window when pressed; without JavaScript it opens the full page.
    assert 'href="/admin/customers/add"' in grid and "Add Customers" in grid
    assert 'data-lg-window-src="/admin/customers/add-window"' in grid
    assert 'value="Create Account"' not in grid
    page = client.get("/admin/customers/add-window", headers=XHR).get_data(as_text=True)
    assert 'id="lg-add-customers"' in page
    for label in ("One at a time", "Upload a CSV", "Send invitations"):
        assert f">{label}</a>" in page
    assert 'value="Create Account"' in page
    assert 'value="Send Invitations"' in page
    assert "/admin/customers/import/template.csv" in page
    assert 'href="/admin/customers/export.csv"' in page


def test_create_account_creates_it_queues_the_welcome_email_and_clears_the_form(signed_in, mailbox):
    manager = AccountFactory(manager=True, market__name="Athens Locally Grown")
    client = signed_in(manager)
    response = _add(
        client, first_name="Renée", last_name="O'Brien-Smith", email="  Renee@Example.ORG "
    )
    assert response.status_code == 200
    assert response.headers["X-LGAdmin-Fragment"] == "1"
    html = response.get_data(as_text=True)
    assert "Account created for <strong>Renée O&#39;Brien-Smith</strong>" in html
    assert "renee@example.org" in html
    assert 'value="Renée"' not in html and 'value="renee@example.org"' not in html

    (account,) = _accounts(manager.market)
    assert (account.first_name, account.last_name) == ("Renée", "O'Brien-Smith")
    assert account.email == "renee@example.org"
    assert account.created_by_id == manager.id
    assert account.password_hash is None
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == account.id)).one()
    assert (entry.action, entry.actor_id, entry.market_id) == (
        "account.create",
        manager.id,
        manager.market_id,
    )

    (welcome,) = mailbox.to("renee@example.org")
    assert welcome["Subject"] == "Welcome to Athens Locally Grown: set your password"
    assert welcome["X-LGAdmin-Account"] == str(account.id)
    body = text_of(welcome)
    assert "Your username is your email address: renee@example.org" in body
    assert f"/m/{manager.market.slug}/set-password/" in link_in(welcome, "/set-password/")


def test_the_same_address_twice_is_skipped_never_duplicated(signed_in, mailbox):
    manager = AccountFactory(manager=True)
    AccountFactory(market=manager.market, email="pat@example.org")
    client = signed_in(manager)
    response = _add(client, first_name="Pat", last_name="Lee", email=" PAT@example.org")
    assert response.status_code == 400
    assert "pat@example.org already has an account at" in response.get_data(as_text=True).lower()
    assert len(_accounts(manager.market)) == 1
    assert mailbox.messages() == []


def test_the_same_address_at_another_market_is_a_new_account(signed_in):
    manager = AccountFactory(manager=True)
    AccountFactory(email="pat@example.org")  # another market
    response = _add(signed_in(manager), first_name="Pat", last_name="Lee", email="pat@example.org")
    assert response.status_code == 200
    assert [a.email for a in _accounts(manager.market)] == ["pat@example.org"]


def test_fields_are_checked(signed_in):
    manager = AccountFactory(manager=True)
    response = _add(
        signed_in(manager), first_name="", last_name="Lee", email="not-an-email", phone="12"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Enter a valid email address." in html
    assert "Enter a valid phone number, with its area code." in html
    assert _accounts(manager.market) == []


def test_phone_is_stored_in_e164(signed_in):
    manager = AccountFactory(manager=True)
    _add(signed_in(manager), first_name="A", last_name="B", email="a@b.org", phone="(706) 543-1234")
    assert _accounts(manager.market)[0].phone == "+17065431234"


def test_pickup_location_only_when_the_market_uses_them(signed_in, app):
    plain = AccountFactory(manager=True)
    assert 'name="pickup_location_id"' not in signed_in(plain).get(WINDOW).get_data(as_text=True)

    market = MarketFactory(pickup_locations_enabled=True)
    downtown = PickupLocationFactory(market=market, name="Downtown")
    elsewhere = PickupLocationFactory(name="Elsewhere")  # another market's
    manager = AccountFactory(manager=True, market=market)
    client = app.test_client()
    from tests.conftest import sign_in

    sign_in(client, manager)
    page = client.get(WINDOW).get_data(as_text=True)
    assert 'name="pickup_location_id"' in page and ">Downtown<" in page
    assert "Elsewhere" not in page
    refused = _add(
        client, first_name="A", last_name="B", email="a@b.org", pickup_location_id=elsewhere.id
    )
    assert refused.status_code == 400
    assert "Choose one of the market&#39;s pickup locations." in refused.get_data(as_text=True)
    _add(client, first_name="A", last_name="B", email="a@b.org", pickup_location_id=downtown.id)
    assert _accounts(market)[0].pickup_location_id == downtown.id


def test_html_in_a_name_is_shown_as_text(signed_in):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    _add(client, first_name="<script>alert(1)</script>", last_name="<b>Bold</b>", email="x@y.org")
    page = client.get(LIST).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_without_javascript_the_form_is_a_page_of_its_own(signed_in):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    response = post_form(client, ADD, {"first_name": "A", "last_name": "B", "email": "a@b.org"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html and "Account created for" in html


def test_a_shopper_cannot_add_customers(client, signed_in):
    shopper = AccountFactory()
    shopper_client = signed_in(shopper)
    assert shopper_client.get(ADD).status_code == 403
    assert client.get(ADD).status_code in (302, 403)


def test_concurrent_submissions_of_one_address_make_one_account(app):
    manager = AccountFactory(manager=True)
    market_id, manager_id = manager.market_id, manager.id
    barrier = threading.Barrier(4)
    outcomes = []

    def submit():
        with app.app_context():
            me = db.session.get(Account, manager_id)
            market = me.market
            barrier.wait()
            try:
                create_customer(
                    me,
                    market,
                    {"first_name": "Sam", "last_name": "Race", "email": "Sam@Example.org "},
                    source="test",
                )
                outcomes.append("created")
            except AlreadyHasAccount:
                outcomes.append("skipped")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "skipped", "skipped", "skipped"]
    count = db.session.scalars(
        select(Account.id).where(Account.market_id == market_id, Account.email == "sam@example.org")
    ).all()
    assert len(count) == 1


def test_each_tab_also_works_as_a_page_of_its_own(signed_in):
    client = signed_in(AccountFactory(manager=True))
    for path, button in (
        (ADD, 'value="Create Account"'),
        ("/admin/customers/import/", 'value="Preview"'),
        ("/admin/customers/invitations/", 'value="Send Invitations"'),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert button in response.get_data(as_text=True)

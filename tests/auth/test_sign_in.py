from werkzeug.security import check_password_hash

from lgadmin.accounts.passwords import hash_password
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, SuperuserFactory


def test_manager_signs_in_and_lands_on_the_market_dashboard(client):
    manager = AccountFactory(manager=True, market__name="Athens Locally Grown")
    response = sign_in(client, manager)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Athens Locally Grown" in page
    assert "Active Shoppers" in page
    assert page.count("Manage Customers") >= 2
    assert "Customer &amp; Orders" in page
    assert 'aria-label="Manage Customers: show the active accounts"' in page


def test_sign_in_page_has_the_labelled_fields(client):
    market = MarketFactory()
    page = client.get(f"/m/{market.slug}/sign-in").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'value="Sign in"' in page


def test_wrong_password_and_unknown_email_get_the_same_message(client):
    manager = AccountFactory(manager=True)
    path = f"/m/{manager.market.slug}/sign-in"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    wrong_password = client.post(
        path, data={"email": manager.email, "password": "nope", "csrf_token": token}
    )
    unknown_email = client.post(
        path, data={"email": "nobody@example.org", "password": "nope", "csrf_token": token}
    )
    message = "That email and password don&#39;t match an active account."
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)


def test_email_is_matched_whatever_its_case_and_spaces(client):
    manager = AccountFactory(manager=True, email="maria@example.org")
    response = sign_in(client, manager, email="  Maria@Example.ORG ")
    assert response.status_code == 302


def test_inactive_account_cannot_sign_in(client):
    manager = AccountFactory(manager=True, active=False)
    response = sign_in(client, manager)
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_account_signs_in_only_at_its_own_market(client):
    manager = AccountFactory(manager=True)
    other = MarketFactory()
    path = f"/m/{other.slug}/sign-in"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(
        path, data={"email": manager.email, "password": "Secret123", "csrf_token": token}
    )
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302


def test_unknown_market_sign_in_is_a_404_page(client):
    response = client.get("/m/no-such-market/sign-in")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/sign-in?next=/admin/" in response.headers["Location"]


def test_shopper_volunteer_and_grower_get_403_from_the_admin(client):
    for flags in ({}, {"is_volunteer": True}, {"is_wholesale": True}):
        shopper = AccountFactory(**flags)
        fresh = client.application.test_client()
        assert sign_in(fresh, shopper).status_code == 302
        assert fresh.get("/admin/").status_code == 403
        assert fresh.get("/admin/customers/").status_code == 403


def test_shopper_lands_on_their_account_page(client):
    shopper = AccountFactory()
    response = sign_in(client, shopper)
    assert response.headers["Location"].endswith(f"/m/{shopper.market.slug}/account")
    assert "Balance" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_sign_in_refuses_to_redirect_off_site(client):
    manager = AccountFactory(manager=True)
    path = f"/m/{manager.market.slug}/sign-in?next=//evil.example.com/"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(
        path, data={"email": manager.email, "password": "Secret123", "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/admin/")


def test_sign_out_ends_the_session_and_needs_a_token(client):
    manager = AccountFactory(manager=True)
    sign_in(client, manager)
    assert client.post("/sign-out").status_code == 400
    assert client.get("/admin/").status_code == 200
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_sign_in_without_csrf_token_is_refused(client):
    manager = AccountFactory(manager=True)
    response = client.post(
        f"/m/{manager.market.slug}/sign-in",
        data={"email": manager.email, "password": "Secret123"},
    )
    assert response.status_code == 400


def test_superuser_signs_in_without_a_market_and_switches_markets(client):
    first = MarketFactory(name="Alpha Market")
    second = MarketFactory(name="Zeta Market")
    staff = SuperuserFactory()
    response = sign_in(client, staff)
    assert response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Alpha Market <small" in page
    assert 'aria-label="Switch market"' in page
    token = csrf_token_from(page)
    response = client.post(
        "/admin/switch-market",
        data={"market_id": second.id, "csrf_token": token, "next": "/admin/customers/"},
    )
    assert response.headers["Location"].endswith("/admin/customers/")
    assert "Zeta Market <small" in client.get("/admin/").get_data(as_text=True)
    assert first.id != second.id


def test_superuser_cannot_switch_to_a_market_that_does_not_exist(client):
    MarketFactory(name="Alpha Market")
    sign_in(client, SuperuserFactory())
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/switch-market", data={"market_id": 99999, "csrf_token": token})
    page = client.get("/admin/").get_data(as_text=True)
    assert "Choose one of the markets in the list." in page
    assert "Alpha Market <small" in page


def test_manager_cannot_use_the_market_switcher(client):
    manager = AccountFactory(manager=True)
    other = MarketFactory()
    sign_in(client, manager)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        "/admin/switch-market", data={"market_id": other.id, "csrf_token": token}
    )
    assert response.status_code == 403


def test_manager_sees_their_market_name_in_the_navbar(client):
    manager = AccountFactory(manager=True, market__name="Riverside Food Hub")
    sign_in(client, manager)
    assert 'lg-market-name">Riverside Food Hub<' in client.get("/admin/").get_data(as_text=True)


def test_passwords_are_stored_with_a_modern_hash():
    stored = hash_password("LocalFood1")
    assert stored.startswith("scrypt:")
    assert "LocalFood1" not in stored
    assert check_password_hash(stored, "LocalFood1")

"""/admin/ for a signed-out visitor: a market manager gets in, or is told where to go."""

from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, AccountFactory, MarketFactory


def sign_in_from_admin(client, email, password=PASSWORD):
    to_sign_in = client.get("/admin/")
    assert to_sign_in.status_code == 302
    path = to_sign_in.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert "Market managers: sign in with your market account" in page
    data = {"email": email, "password": password, "csrf_token": csrf_token_from(page)}
    return client.post(path, data=data)


def test_a_market_manager_signs_in_from_admin_and_lands_on_their_market(client):
    market = MarketFactory(name="Athens Locally Grown")
    MarketFactory(name="Other Market")
    manager = AccountFactory(market=market, manager=True, email="maria@athens.org")
    response = sign_in_from_admin(client, manager.email)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "Athens Locally Grown" in dashboard and "Active Shoppers" in dashboard


def test_a_manager_of_two_markets_is_told_where_to_go(client):
    first = MarketFactory(name="Athens Locally Grown", slug="athens")
    second = MarketFactory(name="Dacula Locally Grown", slug="dacula")
    MarketFactory(name="Elsewhere", slug="elsewhere")
    for market in (first, second):
        AccountFactory(market=market, manager=True, email="kim@example.org")
    response = sign_in_from_admin(client, "kim@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You manage more than one market: choose the one to sign in to." in html
    assert "/m/athens/sign-in" in html and "/m/dacula/sign-in" in html
    assert "/m/elsewhere/sign-in" not in html
    assert "don&#39;t match" not in html


def test_a_wrong_password_or_a_shopper_still_does_not_get_in(client):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    shopper = AccountFactory(market=market)
    for email, password in ((manager.email, "Wrong-password1"), (shopper.email, PASSWORD)):
        response = sign_in_from_admin(client, email, password)
        assert "That email and password don&#39;t match an active account." in (
            response.get_data(as_text=True)
        )
        assert client.get("/admin/").status_code == 302

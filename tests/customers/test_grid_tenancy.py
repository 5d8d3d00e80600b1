"""A manager never sees another market's customers, by any URL of the grid."""

import pytest

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, SuperuserFactory

GRID = "/admin/customers/"


@pytest.fixture(autouse=True)
def markets(market, other_market):
    """Three Robins in each market (the other market's owing money) and Zebulon next door.

    The own market is renamed "Own Market": a superuser starts in the first market by name,
    which must be the other one."""
    own, other = market, other_market
    own.name = "Own Market"
    for n in range(3):
        AccountFactory(market=own, first_name="Robin", last_name=f"Own{n}", email=f"own{n}@a.org")
        AccountFactory(
            market=other,
            first_name="Robin",
            last_name=f"Other{n}",
            email=f"other{n}@b.org",
            balance_cents=-500,
        )
    stranger = AccountFactory(market=other, first_name="Zebulon", email="zeb@b.org")
    return own, other, stranger


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?search=robin",
        "?search=b.org",
        "?search=zebulon",
        "?status=active",
        "?sort=5",
        "?sort=5&desc=1",
        "?page_size=1000",
        "?page=5",
        "?search=other",
    ],
)
def test_list_count_search_sort_and_filter_stay_in_the_market(manager_client, query):
    html = manager_client.get(GRID + query).get_data(as_text=True)
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    assert "@b.org" not in rows and "Other" not in rows
    if query in ("", "?status=active", "?sort=5"):
        assert "<strong>4</strong> customers" in html


def test_another_markets_customer_is_a_404_on_details(manager_client, markets):
    stranger = markets[2]
    response = manager_client.get(f"{GRID}details/?id={stranger.id}")
    assert response.status_code == 404
    assert "zeb@b.org" not in response.get_data(as_text=True)


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "-1", "99999999", "1%27%20OR%201=1"])
def test_bad_ids_are_404(manager_client, bad_id):
    assert manager_client.get(f"{GRID}details/?id={bad_id}").status_code == 404


def test_own_customer_details_open_without_secrets(manager_client, markets):
    own = db.session.query(Account).filter_by(email="own0@a.org").one()
    response = manager_client.get(f"{GRID}details/?id={own.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "own0@a.org" in html
    # No hash and no password field ("Send password reset link" is a button, not a secret).
    assert "pbkdf2" not in html and "password_hash" not in html
    assert 'type="password"' not in html


def test_edit_and_delete_urls_change_nothing_in_another_market(manager_client, markets):
    stranger = markets[2]
    edit = manager_client.get(f"{GRID}edit/?id={stranger.id}")
    assert "zeb@b.org" not in edit.get_data(as_text=True)
    token = csrf_token_from(manager_client.get(GRID).get_data(as_text=True))
    manager_client.post(
        f"{GRID}edit/?id={stranger.id}", data={"email": "hijack@a.org", "csrf_token": token}
    )
    manager_client.post(f"{GRID}delete/", data={"id": stranger.id, "csrf_token": token})
    db.session.expire_all()
    still = db.session.get(Account, stranger.id)
    assert still is not None and still.email == "zeb@b.org"


def test_superuser_sees_the_market_chosen_in_the_switcher(markets, signed_in):
    own, other, _ = markets
    client = signed_in(SuperuserFactory())
    first = client.get(GRID).get_data(as_text=True)
    chosen_first = "own0@a.org" in first  # markets are listed by name: "Other" comes first
    assert chosen_first is False and "other0@b.org" in first
    token = csrf_token_from(first)
    client.post("/admin/switch-market", data={"market_id": own.id, "csrf_token": token})
    html = client.get(GRID).get_data(as_text=True)
    assert "own0@a.org" in html and "b.org" not in html
    assert "<strong>3</strong> customers" in html


def test_switching_market_on_a_details_page_falls_back_to_the_list(markets, signed_in):
    own, other, stranger = markets
    client = signed_in(SuperuserFactory())
    details = f"{GRID}details/?id={stranger.id}"
    page = client.get(details)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    response = client.post(
        "/admin/switch-market", data={"market_id": own.id, "csrf_token": token, "next": details}
    )
    assert response.headers["Location"].endswith(GRID)
    assert client.get(details).status_code == 404

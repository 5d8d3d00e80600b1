"""Market Settings: a manager turns the loyalty program and sign-in links on (issue 11)."""

import pytest

from lgadmin.markets.models import Market
from tests.accounts.helpers import fresh
from tests.conftest import csrf_token_from
from tests.factories import MarketFactory

SETTINGS = "/admin/market-settings/"


def save(client, **data):
    token = csrf_token_from(client.get(SETTINGS).get_data(as_text=True))
    return client.post(SETTINGS, data={"csrf_token": token, **data}, follow_redirects=True)


def test_a_manager_turns_on_loyalty_and_sign_in_links(manager_client, market):
    html = save(
        manager_client,
        loyalty_enabled="y",
        points_per_unit="3",
        point_value_cents="2",
        sign_in_link_enabled="y",
    ).get_data(as_text=True)
    assert "Settings saved." in html
    saved = fresh(Market, market.id)
    assert saved.loyalty_enabled and saved.sign_in_link_enabled
    assert (saved.loyalty_points_per_unit, saved.loyalty_point_value_cents) == (3, 2)


@pytest.mark.parametrize("rate", ["1.5", "-1", "lots", "", "5000"])
def test_a_bad_rate_is_refused_and_nothing_changes(manager_client, market, rate):
    response = save(
        manager_client, loyalty_enabled="y", points_per_unit=rate, point_value_cents="1"
    )
    assert response.status_code == 400
    assert "Enter the points as a whole number from 0 to 1,000." in response.get_data(as_text=True)
    assert not fresh(Market, market.id).loyalty_enabled


def test_settings_belong_to_the_managers_own_market(manager_client, market):
    other = MarketFactory(name="Riverside")
    save(manager_client, loyalty_enabled="y", points_per_unit="1", point_value_cents="1")
    assert fresh(Market, market.id).loyalty_enabled
    assert not fresh(Market, other.id).loyalty_enabled


def test_a_manager_sets_the_markets_time_zone(manager_client, market):
    html = save(manager_client, timezone=" Europe/Paris ").get_data(as_text=True)
    assert "Settings saved." in html
    assert fresh(Market, market.id).timezone == "Europe/Paris"
    assert 'value="Europe/Paris"' in manager_client.get(SETTINGS).get_data(as_text=True)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "EST5EDT; DROP TABLE market", "../etc"])
def test_an_unknown_time_zone_is_refused_next_to_the_field(manager_client, market, zone):
    response = save(manager_client, timezone=zone, loyalty_enabled="y", points_per_unit="2")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a time zone by its name in the time zone database" in html
    assert 'id="timezone"' in html and "is-invalid" in html
    saved = fresh(Market, market.id)
    assert saved.timezone == "America/New_York" and not saved.loyalty_enabled

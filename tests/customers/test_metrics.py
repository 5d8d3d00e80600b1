"""The metrics cards of spec 002 (Total Customers, Active Customers, Avg Customer Value,
Retention Rate) and the weekly chart, on hand-made data."""

import re
from datetime import datetime, timedelta

import pytest

from lgadmin.customers.metrics import customer_metrics, weekly_activity
from lgadmin.extensions import db
from tests.factories import AccountFactory, MarketFactory
from tests.insight import dollar_product, order

NOW = datetime(2026, 6, 15, 12, 0)  # the 15th: "this month" began 14.5 days ago


@pytest.fixture(autouse=True)
def market_in_utc(market):
    """The cards count days; a market in UTC keeps them whole whatever the run's clock."""
    market.timezone = "UTC"
    db.session.commit()


def customer(market, email, *, signed_in_days_ago=None, joined_days_ago=400):
    return AccountFactory(
        market=market,
        email=email,
        joined_at=NOW - timedelta(days=joined_days_ago),
        last_sign_in_at=NOW - timedelta(days=signed_in_days_ago) if signed_in_days_ago else None,
    )


@pytest.fixture
def hand_made(market):
    """Six customers: A came back, B did not, C signed in this month, D and E are quiet."""
    dollar_product(market)  # its grower is a customer too, who never ordered
    a = customer(market, "a@x.org")
    order(a, 3000, days_ago=100, now=NOW)
    order(a, 2000, days_ago=10, now=NOW)  # June 5: active this month, and retained
    b = customer(market, "b@x.org")
    order(b, 5000, days_ago=120, now=NOW)  # ordered in the earlier 90 days only
    c = customer(market, "c@x.org", signed_in_days_ago=3)
    order(c, 1000, days_ago=20, now=NOW)  # May 26: last month
    customer(market, "d@x.org")
    e = customer(market, "e@x.org")
    order(e, 4000, days_ago=200, now=NOW)  # before both windows
    other = MarketFactory()
    order(AccountFactory(market=other, last_sign_in_at=NOW), 99999, days_ago=100, now=NOW)
    return market


def test_total_customers_counts_every_account_of_the_market(hand_made):
    assert customer_metrics(hand_made, NOW).total == 6


def test_active_customers_ordered_or_signed_in_this_calendar_month(hand_made):
    assert customer_metrics(hand_made, NOW).active == 2  # A ordered, C signed in


def test_avg_customer_value_is_lifetime_spend_per_customer_who_ordered(hand_made):
    metrics = customer_metrics(hand_made, NOW)
    assert metrics.ever_ordered == 4
    assert metrics.avg_customer_value_cents == (5000 + 5000 + 1000 + 4000) // 4  # $37.50


def test_retention_rate_is_the_share_of_earlier_customers_who_ordered_again(hand_made):
    metrics = customer_metrics(hand_made, NOW)
    assert (metrics.retention_base, metrics.retained) == (2, 1)  # A and B; A came back
    assert metrics.retention_percent == 50


def test_a_market_without_orders_shows_zero_value_and_no_retention(market):
    customer(market, "only@x.org")
    metrics = customer_metrics(market, NOW)
    assert (metrics.total, metrics.avg_customer_value_cents, metrics.retention_percent) == (
        1,
        0,
        None,
    )


def test_weekly_chart_counts_new_and_active_customers_per_week(market):
    customer(market, "new@x.org", joined_days_ago=2)
    customer(market, "older@x.org", joined_days_ago=9)
    customer(market, "ancient@x.org", joined_days_ago=400)
    buyer = customer(market, "buyer@x.org", joined_days_ago=30)
    order(buyer, 1000, days_ago=1, now=NOW)
    order(buyer, 1000, days_ago=2, now=NOW)  # the same customer twice in a week counts once
    activity = weekly_activity(market, NOW)
    assert len(activity.starts) == len(activity.new) == len(activity.active) == 52
    assert activity.new[-1] == 1 and activity.new[-2] == 1 and sum(activity.new) == 4 - 1
    assert activity.active[-1] == 1 and sum(activity.active) == 1
    assert activity.starts[-1] == (NOW + timedelta(days=1)).date() - timedelta(weeks=1)


def test_cards_show_above_the_grid_with_their_definitions_in_tooltips(hand_made, manager_client):
    grid = manager_client.get("/admin/customers/").get_data(as_text=True)
    src = re.search(r'id="lg-metrics" data-src="([^"]+)"', grid).group(1).replace("&amp;", "&")
    response = manager_client.get(src)
    assert response.headers["Cache-Control"] == "private, max-age=60"
    html = response.get_data(as_text=True)
    cards = dict(re.findall(r'data-metric="(\w+)".*?lg-metric-value">([^<]+)<', html, re.S))
    # the manager is a customer too; "now" is the real clock here, so only stable figures
    assert cards["total"] == "7"
    assert cards["value"] == "$37.50"
    for label in ("Total Customers", "Active This Month", "Avg Customer Value", "Retention Rate"):
        assert label in html
    assert 'title="Customers who ordered or signed in since the first of this month."' in html
    assert "the share who ordered again in the last 90 days" in html
    assert html.count("<polyline") == 2 and "<svg" in html and "<script" not in html


def test_metrics_page_without_javascript_and_of_the_own_market_only(hand_made, signed_in):
    other_manager = AccountFactory(market=MarketFactory(), manager=True)
    html = signed_in(other_manager).get("/admin/customers/metrics").get_data(as_text=True)
    cards = dict(re.findall(r'data-metric="(\w+)".*?lg-metric-value">([^<]+)<', html, re.S))
    assert cards["total"] == "1" and cards["value"] == "$0.00"
    assert "Customer metrics" in html and "<html" in html
    db.session.remove()

"""Kept figures (issue 23): a big market's metrics cards and dashboard read a row a job
recomputes, show its age, and a manager's Refresh queues the recomputation.

LGADMIN_FIGURES_LIVE_BELOW is 0 here, so these few customers count as a big market."""

import re
import uuid
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue

from lgadmin.customers.figures import refresh_figures
from lgadmin.customers.metrics import customer_metrics, market_status
from lgadmin.customers.models import MarketFigures
from lgadmin.extensions import db
from lgadmin.jobs import BULK, queue_name
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory
from tests.insight import dollar_product, order


@pytest.fixture(autouse=True)
def big_markets(app, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_FIGURES_LIVE_BELOW", 0)


@pytest.fixture
def own_queue(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    name = f"figures-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", name)
    jobs = Queue(queue_name(name, BULK), connection=Redis.from_url(redis_url))
    yield jobs
    jobs.empty()
    jobs.delete()


def cards(client) -> dict:
    html = client.get("/admin/customers/metrics?fragment=1").get_data(as_text=True)
    return dict(re.findall(r'data-metric="(\w+)".*?lg-metric-value">([^<]+)<', html, re.S))


def dashboard_numbers(client) -> list[str]:
    page = client.get("/admin/").get_data(as_text=True)
    return re.findall(r'<div class="h3 mb-0">([^<]+)</div>', page)


def age_line(html: str) -> str:
    found = re.search(r'lg-figures-age">\s*<span>(.*?)</span>', html, re.S)
    return found.group(1) if found else ""


def refresh(client, next_url="/admin/"):
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    return client.post(
        "/admin/customers/metrics/refresh", data={"csrf_token": token, "next": next_url}
    )


def make_stale(market, minutes=10):
    row = db.session.get(MarketFigures, market.id)
    row.computed_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_kept_cards_equal_the_counted_ones_and_change_after_a_refresh(market, manager_client):
    a = AccountFactory(market=market)
    order(a, 3000, days_ago=10)
    dollar_product(market)
    counted = customer_metrics(market)
    shown = cards(manager_client)
    assert shown["total"] == f"{counted.total:,}" == "3"  # the manager, a, the grower
    assert shown["value"] == "$30.00"
    assert dashboard_numbers(manager_client)[:2] == [
        str(market_status(market)["active_shoppers"]),
        str(market_status(market)["customers"]),
    ]

    order(AccountFactory(market=market), 1000, days_ago=1)
    assert cards(manager_client)["total"] == "3"  # kept: not counted again on each request
    assert refresh(manager_client).headers["Location"].endswith("/admin/")
    after = cards(manager_client)
    assert after["total"] == "4" and after["value"] == "$20.00"
    assert dashboard_numbers(manager_client)[1] == "4"


def test_the_cards_say_how_old_they_are_and_stale_ones_are_recomputed(market, manager_client):
    AccountFactory(market=market)
    html = manager_client.get("/admin/customers/metrics?fragment=1").get_data(as_text=True)
    assert age_line(html) == "As of just now"
    assert ">Refresh</button>" in html
    make_stale(market, minutes=2)
    html = manager_client.get("/admin/").get_data(as_text=True)
    assert age_line(html) == "As of 2 minutes ago"
    AccountFactory(market=market)
    make_stale(market, minutes=6)  # past LGADMIN_FIGURES_MAX_AGE_SECONDS: without Redis, inline
    html = manager_client.get("/admin/").get_data(as_text=True)
    assert age_line(html) == "As of just now"
    assert dashboard_numbers(manager_client)[1] == "3"


def test_stale_figures_show_at_once_and_queue_one_recomputation(market, manager_client, own_queue):
    AccountFactory(market=market)
    refresh_figures(market.id)
    make_stale(market)
    AccountFactory(market=market)
    for _ in range(3):
        html = manager_client.get("/admin/").get_data(as_text=True)
        assert age_line(html) == "As of 10 minutes ago &middot; being recomputed"
        assert dashboard_numbers(manager_client)[1] == "2"  # the kept figures, not a wait
    assert own_queue.count == 1  # one pending recomputation, however many requests
    assert ">Refresh</button>" not in html
    own_queue.jobs[0].perform()
    db.session.expire_all()
    html = manager_client.get("/admin/").get_data(as_text=True)
    assert age_line(html) == "As of just now"
    assert dashboard_numbers(manager_client)[1] == "3"


def test_a_big_markets_first_figures_are_being_computed(market, manager_client, own_queue):
    html = manager_client.get("/admin/customers/metrics?fragment=1").get_data(as_text=True)
    assert "These figures are being computed" in age_line(html)
    assert "lg-metric-value" not in html
    assert "These figures are being computed" in manager_client.get("/admin/").get_data(
        as_text=True
    )
    assert own_queue.count == 1


def test_a_market_never_sees_another_markets_figures(market, manager_client, signed_in):
    other = MarketFactory()
    for _ in range(5):
        AccountFactory(market=other)
    other_manager = AccountFactory(market=other, manager=True)
    assert cards(signed_in(other_manager))["total"] == "6"
    assert cards(manager_client)["total"] == "1"
    assert dashboard_numbers(manager_client)[1] == "1"
    assert dashboard_numbers(signed_in(other_manager))[1] == "6"


def test_staff_see_the_age_but_only_managers_may_refresh(market, staff_client):
    html = staff_client.get("/admin/customers/metrics?fragment=1").get_data(as_text=True)
    assert age_line(html) == "As of just now"
    assert ">Refresh</button>" not in html
    assert refresh(staff_client).status_code == 403


def test_small_markets_are_counted_on_each_request(app, market, manager_client, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_FIGURES_LIVE_BELOW", 100)
    html = manager_client.get("/admin/").get_data(as_text=True)
    assert "lg-figures-age" not in html
    AccountFactory(market=market)
    assert dashboard_numbers(manager_client)[1] == "2"
    assert db.session.get(MarketFigures, market.id) is None

"""Customer Segments (spec 003): criteria, preview, save, open in the grid, per market."""

import re

import pytest
from sqlalchemy import select

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.segments.criteria import parse_criteria
from lgadmin.segments.models import Segment
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, GrowerFactory, MarketFactory, PickupLocationFactory
from tests.insight import order

NEW = "/admin/segments/new"


def post_builder(client, url=NEW, **fields):
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **fields})


def emails(html: str) -> list[str]:
    return re.findall(r"<td>([^<@]+@[^<]+)</td>", html)


@pytest.mark.parametrize(
    ("data", "criterion", "message"),
    [
        (
            {"orders_more_than": "5", "orders_less_than": "2"},
            "orders",
            "No order count is more than 5 and less than 2.",
        ),
        ({"orders_more_than": "-3"}, "orders", "Negative numbers make no sense here"),
        ({"spent_more_than": "-10"}, "spent", "Negative numbers"),
        ({"spent_more_than": "100", "spent_less_than": "50"}, "spent", "must be more than"),
        ({"spent_less_than": "ten"}, "spent", "Enter a number like 100 or 49.50"),
        (
            {"last_order_within_days": "30", "last_order_not_within_days": "60"},
            "last_order",
            "No last order is within 30 days and not within 60 days.",
        ),
        ({"last_order_within_days": "0"}, "last_order", "Enter at least 1."),
        ({"frequency_at_least": "2"}, "frequency", "Enter over how many months."),
        ({"frequency_months": "3"}, "frequency", "Enter the average orders per month."),
        (
            {"frequency_at_least": "2", "frequency_at_most": "1", "frequency_months": "3"},
            "frequency",
            "must not be less than",
        ),
        ({"orders_less_than": "99999999999"}, "orders", "Enter a whole number"),
        ({"member": "maybe"}, "member", "Choose yes, no or either."),
        ({"pickup_location": "12345"}, "pickup_location", "Choose one of your pickup locations."),
    ],
)
def test_impossible_negative_or_missing_criteria_are_refused_beside_the_criterion(
    manager_client, data, criterion, message
):
    response = post_builder(manager_client, name="Bad", action="preview", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    error = re.search(rf'id="error-{criterion}" data-criterion="{criterion}">([^<]*)<', html)
    assert error and message in error.group(1).replace("&#34;", '"').replace("&#39;", "'")
    assert "lg-preview" not in html  # no preview of refused criteria
    saved = post_builder(manager_client, name="Bad", action="save", **data)
    assert saved.status_code == 400 and db.session.scalar(select(Segment)) is None
    # what was typed is still in the form
    for key, value in data.items():
        if key not in ("member", "pickup_location"):
            assert f'name="{key}" value="{value}"' in saved.get_data(as_text=True)


def test_criteria_values_become_one_filter(market):
    criteria = parse_criteria({"orders_more_than": " 2 ", "spent_less_than": "$1,000.5", "x": "1"})
    assert criteria.is_valid
    assert criteria.values == {"orders_more_than": 2, "spent_less_than": 100050}
    assert criteria.raw == {"orders_more_than": "2", "spent_less_than": "$1,000.5"}


def shoppers(market):
    """Regular (5 orders, $250, recent), Lapsed (1 old order), New (none), with flags."""
    pickup = PickupLocationFactory(market=market, name="Downtown Pavilion")
    regular = AccountFactory(
        market=market, email="regular@x.org", is_volunteer=True, pickup_location=pickup
    )
    for n in range(5):
        order(regular, 5000, days_ago=5 + n * 12)
    lapsed = AccountFactory(market=market, email="lapsed@x.org", receives_mailings=False)
    order(lapsed, 2000, days_ago=200)
    AccountFactory(market=market, email="new@x.org", balance_cents=-500, is_wholesale=True)
    GrowerFactory(account=AccountFactory(market=market, email="grower@x.org"))
    return pickup


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"orders_more_than": "3"}, ["regular@x.org"]),
        ({"orders_more_than": "0", "orders_less_than": "2"}, ["lapsed@x.org"]),  # between
        ({"spent_more_than": "100"}, ["regular@x.org"]),
        ({"last_order_within_days": "30"}, ["regular@x.org"]),
        ({"last_order_not_within_days": "90", "orders_more_than": "0"}, ["lapsed@x.org"]),
        ({"frequency_at_least": "1.5", "frequency_months": "2"}, ["regular@x.org"]),
        ({"frequency_at_least": "3", "frequency_months": "2"}, []),
        (
            {"frequency_at_most": "0.5", "frequency_months": "2", "orders_more_than": "0"},
            ["lapsed@x.org"],
        ),
        ({"volunteer": "yes"}, ["regular@x.org"]),
        ({"negative_balance": "yes", "wholesale": "yes"}, ["new@x.org"]),
        ({"grower": "yes"}, ["grower@athens.example.org", "grower@x.org"]),  # the first sells
        ({"receives_mailings": "no"}, ["lapsed@x.org"]),
        ({"member": "yes"}, []),
        ({"active": "no"}, []),
    ],
)
def test_preview_shows_the_count_and_the_first_customers(market, manager_client, data, expected):
    shoppers(market)
    response = post_builder(manager_client, name="Try", action="preview", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[-2000:]
    count = int(re.search(r'class="lg-preview-count" data-count="(\d+)"', html).group(1))
    shown = [e for e in emails(html.split("lg-preview-count")[1]) if not e.startswith("manager@")]
    assert count == len(expected) and sorted(shown) == expected
    if not expected:
        assert "Nobody matches these criteria today." in html
    assert db.session.scalar(select(Segment)) is None  # a preview saves nothing


def test_pickup_location_criterion_uses_the_market_pickup_locations(market, manager_client):
    pickup = shoppers(market)
    html = post_builder(manager_client, action="preview", pickup_location=str(pickup.id)).get_data(
        as_text=True
    )
    assert "Pickup location: Downtown Pavilion" in html
    assert [e for e in emails(html.split("lg-preview-count")[1]) if "@x.org" in e] == [
        "regular@x.org"
    ]


def test_saving_a_segment_and_opening_it_shows_the_grid_filtered(market, manager_client, manager):
    shoppers(market)
    response = post_builder(
        manager_client,
        name="Regulars",
        description="Our <b>best</b> customers",
        action="save",
        orders_more_than="3",
    )
    assert response.status_code == 302
    segment = db.session.scalar(select(Segment))
    assert (segment.name, segment.market_id, segment.created_by_id) == (
        "Regulars",
        market.id,
        manager.id,
    )
    assert segment.criteria == {"orders_more_than": "3"}
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Our &lt;b&gt;best&lt;/b&gt; customers" in page  # HTML shown as text
    grid = manager_client.get(f"/admin/customers/?segment={segment.id}").get_data(as_text=True)
    assert emails(grid) == ["regular@x.org"]
    assert "Segment “Regulars”" in grid and "More than 3 orders" in grid
    links = re.findall(r'href="(/admin/customers/\?[^"]*sort=[^"]*)"', grid)
    assert links and all(f"segment={segment.id}" in link for link in links)
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.action != "auth.signed_in"))
        == "segment.created"
    )


def test_a_segment_without_a_name_or_criteria_is_refused_and_nothing_is_lost(manager_client):
    html = post_builder(manager_client, name="  ", action="save", orders_more_than="1").get_data(
        as_text=True
    )
    assert "Give the segment a name." in html and 'name="orders_more_than" value="1"' in html
    html = post_builder(manager_client, name="All", action="save").get_data(as_text=True)
    assert "Choose at least one criterion" in html


def test_a_segment_that_matches_nobody_previews_as_zero(market, manager_client):
    shoppers(market)
    html = post_builder(manager_client, action="preview", orders_more_than="100").get_data(
        as_text=True
    )
    assert 'data-count="0"' in html and "Nobody matches these criteria today." in html


def test_editing_a_segment_keeps_its_id_and_changes_its_criteria(market, manager_client):
    shoppers(market)
    post_builder(manager_client, name="Regulars", action="save", orders_more_than="3")
    segment = db.session.scalar(select(Segment))
    url = f"/admin/segments/{segment.id}/edit"
    assert 'name="orders_more_than" value="3"' in manager_client.get(url).get_data(as_text=True)
    assert (
        post_builder(
            manager_client, url, name="Buyers", action="save", orders_more_than="0"
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert (segment.name, segment.criteria) == ("Buyers", {"orders_more_than": "0"})


def test_segments_are_per_market_and_another_markets_id_is_a_404(market, manager_client, signed_in):
    shoppers(market)
    post_builder(manager_client, name="Regulars", action="save", orders_more_than="3")
    segment = db.session.scalar(select(Segment))
    other = signed_in(AccountFactory(market=MarketFactory(), manager=True))
    assert "Regulars" not in other.get("/admin/segments/").get_data(as_text=True)
    for url in (
        f"/admin/segments/{segment.id}/",
        f"/admin/segments/{segment.id}/edit",
        f"/admin/customers/?segment={segment.id}",
        f"/admin/customers/export/csv?segment={segment.id}",
        f"/admin/campaigns/new?segment={segment.id}",
    ):
        assert other.get(url).status_code == 404, url
    token = csrf_token_from(other.get("/admin/segments/new").get_data(as_text=True))
    assert (
        other.post(f"/admin/segments/{segment.id}/delete", data={"csrf_token": token}).status_code
        == 404
    )
    assert manager_client.get("/admin/customers/?segment=abc").status_code == 404


def test_deleting_a_segment(market, manager_client):
    post_builder(manager_client, name="Gone", action="save", orders_more_than="3")
    segment = db.session.scalar(select(Segment))
    token = csrf_token_from(
        manager_client.get(f"/admin/segments/{segment.id}/").get_data(as_text=True)
    )
    response = manager_client.post(
        f"/admin/segments/{segment.id}/delete", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Segment)) is None


def test_grid_filter_link_carries_the_criteria_to_the_segment_builder(market, manager_client):
    shoppers(market)
    grid = manager_client.get("/admin/customers/?orders_more_than=3").get_data(as_text=True)
    link = re.search(r'class="btn btn-outline-primary lg-filter-link" href="([^"]+)"', grid).group(
        1
    )
    page = manager_client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'name="orders_more_than" value="3"' in page and 'data-count="1"' in page

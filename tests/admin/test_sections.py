"""The details-page section registry: its stated order, and the page showing every section."""

import pytest

from lgadmin.admin.sections import SLOTS, DetailsSections, SectionPart, details_sections
from tests.factories import AccountFactory, GrowerFactory, MarketFactory


def _part(name):
    return lambda account, market, forms: SectionPart(name, {"forms": forms})


def test_sections_come_slot_by_slot_then_in_the_order_registered():
    registry = DetailsSections()
    registry.register("end", "bottom", _part("end"))
    registry.register("second", "left", _part("second"))
    registry.register("button", "actions", _part("button"))
    registry.register("third", "left", _part("third"))
    registry.register("right", "right", _part("right"))

    assert [s.name for s in registry.sections()] == ["button", "second", "third", "right", "end"]
    assert [s.name for s in registry.sections("left")] == ["second", "third"]
    assert SLOTS == ("actions", "top", "left", "right", "bottom")


def test_a_section_goes_in_a_known_slot_and_once():
    registry = DetailsSections()
    registry.register("loyalty", "right", _part("loyalty"))
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("loyalty", "left", _part("loyalty"))
    with pytest.raises(ValueError, match="slot"):
        registry.register("elsewhere", "sidebar", _part("elsewhere"))


def test_each_section_renders_its_template_with_the_page_and_its_own_context(app, monkeypatch):
    rendered = []

    def fake_render(template, **context):
        rendered.append((template, context))
        return f"<{template}>"

    monkeypatch.setattr("lgadmin.admin.sections.render_template", fake_render)
    registry = DetailsSections()
    registry.register("shown", "left", _part("a.html"))
    registry.register("hidden", "left", lambda account, market, forms: None)
    registry.register("last", "bottom", _part("b.html"))

    with app.test_request_context():
        html = registry.render_sections("the account", "the market", {"x": 1}, {"common": 2})

    assert html["left"] == ["<a.html>"] and html["bottom"] == ["<b.html>"]
    assert html["actions"] == html["top"] == html["right"] == []
    assert rendered == [
        ("a.html", {"common": 2, "forms": {"x": 1}}),
        ("b.html", {"common": 2, "forms": {"x": 1}}),
    ]


def test_grid_parts_add_to_the_grid_pages_context():
    registry = DetailsSections()
    registry.register_grid_part("one", lambda market: {"a": market})
    registry.register_grid_part("none", lambda market: None)
    assert registry.grid_context("m") == {"a": "m"}


def test_the_details_page_shows_every_registered_heading_in_the_registrys_order(app, signed_in):
    market = MarketFactory(loyalty_enabled=True)
    manager = AccountFactory(market=market, manager=True)
    # A grower, so the one section that shows only for some accounts shows too.
    customer = GrowerFactory(account__market=market).account

    html = signed_in(manager).get(f"/admin/customers/details/?id={customer.id}")
    text = html.get_data(as_text=True)

    assert html.status_code == 200
    with app.app_context():
        sections = details_sections().sections()
    headings = [s.heading for s in sections if s.heading]
    assert len(headings) >= 15
    position = 0
    for heading in headings:
        found = text.find(heading, position)
        assert found != -1, f"{heading!r} is not on the page after the sections before it"
        position = found + len(heading)


def test_a_part_views_page_is_under_the_customers_menu_entry(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market)
    client = signed_in(manager)

    for path in (
        f"/admin/customers/{customer.id}/timeline",
        f"/admin/customers/{customer.id}/history",
        "/admin/customers/duplicates/",
        "/admin/customers/invitations/",
    ):
        html = client.get(path).get_data(as_text=True)
        active = html[html.index('class="active"') :][:300]
        assert "/admin/customers/" in active and "Customers" in active, path


def test_a_section_registered_on_the_app_shows_on_the_details_page(app, signed_in, monkeypatch):
    registry = app.extensions["lgadmin_sections"]
    monkeypatch.setattr(registry, "_sections", list(registry._sections))  # undone after the test
    seen = []

    def from_a_test(account, market, forms):
        seen.append((account.id, market.id))
        # Any template will do: an empty cart, shown a second time, at the top of the page.
        return SectionPart("lgadmin/customers/_cart.html", {"cart": [], "cart_total_cents": 0})

    registry.register("from_a_test", "top", from_a_test, "Cart Items")
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market)

    text = (
        signed_in(manager).get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    )

    assert seen == [(customer.id, market.id)]
    assert text.count("Cart Items") == 2
    assert text.index("Cart Items") < text.index("Account Information")  # top before the columns

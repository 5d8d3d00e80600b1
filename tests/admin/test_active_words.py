"""One meaning of "active": the dashboard card, its arrow and the grid say the same thing."""

import re

from tests.factories import AccountFactory, MarketFactory


def card(page: str, title: str) -> str:
    return re.search(rf">{title}</div>\s*<div class=\"h3 mb-0\">([\d,]+)<", page).group(1)


def test_the_active_shoppers_arrow_opens_the_list_the_card_counts(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    for n in range(5):
        AccountFactory(market=market, active=n % 2 == 0)  # 3 active, 2 not
    AccountFactory(market=MarketFactory(), active=True)
    client = signed_in(manager)

    dashboard = client.get("/admin/").get_data(as_text=True)
    assert card(dashboard, "Active Shoppers") == "4"  # the manager's own account is active too
    assert card(dashboard, "Total Customers") == "6"
    assert "Active accounts" in dashboard
    arrow = re.search(r'class="[^"]*lg-active-shoppers-link"[^>]*href="([^"]+)"', dashboard)
    grid = client.get(arrow.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "<strong>4</strong> customers" in grid
    assert re.search(r'aria-current="true">Active accounts</a>', grid)

    metrics_url = re.search(r'id="lg-metrics" data-src="([^"]+)"', grid).group(1)
    metrics = client.get(metrics_url.replace("&amp;", "&")).get_data(as_text=True)
    assert "Total Customers" in metrics and "Active This Month" in metrics
    # "Active Customers" meant two different counts on two screens; neither uses it now.
    assert "Active Customers" not in metrics and "Active Customers" not in dashboard

"""A shopper-facing URL names its market by slug; the service never answers HTTP itself."""

import pytest

from lgadmin.markets.service import market_by_slug
from lgadmin.tenancy import NotInMarket
from tests.factories import MarketFactory


def test_a_known_slug_is_its_market():
    market = MarketFactory()
    assert market_by_slug(market.slug) == market


def test_an_unknown_slug_raises_not_in_market_and_the_pages_answer_404(client):
    with pytest.raises(NotInMarket):
        market_by_slug("nowhere")
    for path in ("/m/nowhere/sign-in", "/m/nowhere/signup", "/m/nowhere/cart"):
        assert client.get(path).status_code == 404, path

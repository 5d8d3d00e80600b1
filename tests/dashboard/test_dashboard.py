from decimal import Decimal

from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import place_order
from tests.factories import AccountFactory, MarketFactory, ProductFactory


def test_dashboard_cards_count_this_market_only(signed_in):
    market, other = MarketFactory(), MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    AccountFactory(market=market, active=False)
    shopper = AccountFactory(market=market)
    AccountFactory(market=other)
    product = ProductFactory(grower__account__market=market, price_cents=1250)
    place_order(shopper, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    from lgadmin.extensions import db

    db.session.commit()
    page = signed_in(manager).get("/admin/").get_data(as_text=True)
    cards = page.split('class="row lg-status-cards"')[1].split('class="mb-4 lg-quick-actions"')[0]
    assert "Active Shoppers" in cards
    numbers = [
        chunk.split("</div>")[0].strip() for chunk in cards.split('<div class="h3 mb-0">')[1:]
    ]
    # active shoppers (manager, shopper, grower), all customers, open orders, negative balances
    assert numbers == ["3", "4", "1", "1"]
    assert "$25.00 still owed" in cards

"""The demo data has a few duplicates in every market, ready to merge."""

from sqlalchemy import select

from lgadmin.demo import seed_demo_data
from lgadmin.extensions import db
from lgadmin.markets.models import Market
from lgadmin.merge.duplicates import possible_duplicates


def test_every_demo_market_lists_an_email_a_phone_and_a_name_duplicate(app):
    seed_demo_data(customers=5)
    markets = db.session.scalars(select(Market)).all()
    assert len(markets) == 2
    for market in markets:
        pairs = {
            frozenset(a.email for a in (p.first, p.second)): p.reason_labels
            for p in possible_duplicates(market)
        }
        assert pairs[
            frozenset({"robert.smith@gmail.com", f"robert.smith+{market.slug}@gmail.com"})
        ] == ["Same email"]
        assert pairs[frozenset({"jen.okafor@yahoo.com", "jokafor@outlook.com"})] == ["Same phone"]
        assert pairs[frozenset({"tom.baker@fastmail.com", "tbaker@comcast.net"})] == ["Same name"]
        robert = next(
            p for p in possible_duplicates(market) if p.first.email == "robert.smith@gmail.com"
        )
        assert robert.first.balance_cents and robert.second.balance_cents
        assert robert.first.order_count == robert.second.order_count == 1

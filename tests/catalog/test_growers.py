"""A grower's approval: what the catalog's approval means on the shopper's and manager's side."""

import pytest

from lgadmin.catalog.models import GrowerApproval
from lgadmin.membership.service import is_exempt
from lgadmin.shop.service import storefront
from tests.factories import GrowerFactory, ProductFactory


@pytest.mark.parametrize(
    ("approval", "sells"),
    [
        (GrowerApproval.APPROVED, True),
        (GrowerApproval.PENDING, False),
        (GrowerApproval.SUSPENDED, False),
    ],
)
def test_only_an_approved_growers_products_are_on_the_storefront(market, approval, sells):
    grower = GrowerFactory(account__market=market, approval=approval)
    ProductFactory(grower=grower, name="Kale")
    shown = {product.name for _, products in storefront(market) for product in products}
    assert ("Kale" in shown) is sells


def test_an_approved_grower_needs_no_membership_and_a_pending_one_does(market):
    approved = GrowerFactory(account__market=market)
    pending = GrowerFactory(account__market=market, approval=GrowerApproval.PENDING)
    assert is_exempt(approved.account) == "approved grower"
    assert is_exempt(pending.account) is None


def test_another_markets_grower_is_not_on_this_storefront(market, other_market):
    ProductFactory(grower=GrowerFactory(account__market=other_market), name="Elsewhere")
    assert storefront(market) == []

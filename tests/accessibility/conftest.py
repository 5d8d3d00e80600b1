"""A market with the people and records that bring out every icon and state of the screens:
a manager, a volunteer, a grower, a member with a card, one owing money, one whose mail
bounced, a guest without a last name, an inactive account, and a shop with a product."""

import pytest

from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.factories import (
    PASSWORD,
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    PaymentMethodFactory,
    ProductFactory,
)


@pytest.fixture
def full_market():
    market = MarketFactory(name="Athens Locally Grown", slug="athens", membership_required=True)
    manager = AccountFactory(
        market=market,
        manager=True,
        first_name="Maria",
        last_name="Lopez",
        email="manager@athens.org",
    )
    AccountFactory(market=market, first_name="Val", last_name="Volunteer", is_volunteer=True)
    grower = GrowerFactory(
        account__market=market,
        account__first_name="Gina",
        account__last_name="Grower",
        name="Broad River Greens",
    )
    ProductFactory(grower=grower, name="Salad mix", price_cents=500, unit="bag")
    member = AccountFactory(
        market=market,
        member=True,
        first_name="Mel",
        last_name="Member",
        email="mel@example.org",
        balance_cents=4000,
    )
    PaymentMethodFactory(account=member)
    AccountFactory(market=market, first_name="Owen", last_name="Owing", balance_cents=-1250)
    AccountFactory(market=market, first_name="Bea", last_name="Bounced", email_bounced_at=utcnow())
    AccountFactory(
        market=market,
        first_name="Gus",
        last_name="",
        is_guest=True,
        password_hash=None,
        email="gus@example.org",
    )
    AccountFactory(market=market, first_name="Ina", last_name="Inactive", active=False)
    db.session.commit()
    return market, manager, member


def sign_in_as(page, live_server, account, next_path="/admin/"):
    page.goto(f"{live_server}/m/{account.market.slug}/sign-in?next={next_path}")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_path}**")

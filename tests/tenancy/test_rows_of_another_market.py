"""A manager of one market who asks by id for another market's row gets a 404, never the row.

The screens and services converted to the tenancy gate, each asked for a row of the other
market: the answer is a 404 (views), NotInMarket or the service's own refusal (services),
and the same request for the manager's own row works, so the 404 is the gate's doing.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from lgadmin.accounts.models import Account
from lgadmin.act_as.models import ActAsSession
from lgadmin.addresses.models import Address
from lgadmin.addresses.service import address_of
from lgadmin.audit.models import AuditEntry
from lgadmin.audit.service import record
from lgadmin.balance.models import LedgerEntry
from lgadmin.campaigns.models import Campaign
from lgadmin.catalog.models import Product
from lgadmin.customers.bulk import BulkError, market_group
from lgadmin.customers.timeline import timeline_page
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.groups.models import CustomerGroup
from lgadmin.groups.service import GroupError, update_group_and_tax
from lgadmin.markets.models import PickupLocation
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.privacy.models import DataRequest, DataRequestKind
from lgadmin.segments.models import Segment
from lgadmin.segments.service import delete_segment, pickup_name, segment_with_pickup_name
from lgadmin.shop.service import ShopError, set_cart_quantity
from lgadmin.tenancy import NotInMarket, belongs_to, find_in_market, get_in_market
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory, ProductFactory


@dataclass
class Rows:
    market: object
    manager: object
    ids: dict


def _rows(name: str) -> Rows:
    market = MarketFactory(name=name, slug=name.lower())
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market)
    order = place_order(customer, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.flush()
    entry = db.session.query(LedgerEntry).filter_by(account_id=customer.id).one()
    audit = record(manager, market.id, "tenancy.seed", customer, "seed")
    pickup = PickupLocationFactory(market=market)
    rows = {
        "act_as": ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=customer.id,
            expires_at=utcnow(),
            ended_at=utcnow(),
        ),
        "mail_event": MailEvent(
            provider="mailgun",
            provider_event_id=f"evt-{name}",
            kind=MailEventKind.OTHER,
            market_id=market.id,
            raw="{}",
        ),
        "segment": Segment(
            market_id=market.id,
            name=f"Regulars of {name}",
            criteria={"pickup_location": str(pickup.id)},
        ),
        "campaign": Campaign(
            market_id=market.id, segment_name="Regulars", subject="News", message="Hello"
        ),
        "group": CustomerGroup(market_id=market.id, name=f"Wholesale {name}"),
        "address": Address(
            market_id=market.id,
            account_id=customer.id,
            line1="1 Main St",
            city="Athens",
            postal_code="30601",
        ),
        "data_request": DataRequest(
            market_id=market.id, account_id=customer.id, kind=DataRequestKind.EXPORT
        ),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    ids = {key: row.id for key, row in rows.items()}
    ids |= {
        "customer": customer.id,
        "product": product.id,
        "order": order.id,
        "entry": entry.id,
        "audit": audit.id,
        "pickup": pickup.id,
    }
    return Rows(market, manager, ids)


@pytest.fixture
def markets(app):
    with app.app_context():
        yield _rows("Home"), _rows("Away")


@pytest.fixture
def home_client(markets, signed_in):
    home, _ = markets
    return signed_in(home.manager)


PAGES = [
    ("/admin/segments/{segment}/", "segment"),
    ("/admin/segments/{segment}/edit", "segment"),
    ("/admin/campaigns/{campaign}/", "campaign"),
    ("/admin/campaigns/new?segment={segment}", "segment"),
    ("/admin/mail-events/details/?id={mail_event}", "mail_event"),
    ("/admin/audit-log/details/?id={audit}", "audit"),
    ("/admin/act-as-log/details/?id={act_as}", "act_as"),
    ("/admin/data-requests/details/?id={data_request}", "data_request"),
]


@pytest.mark.parametrize(("page", "row"), PAGES)
def test_a_page_of_another_markets_row_is_a_404(markets, home_client, page, row):
    home, away = markets
    assert home_client.get(page.format(**home.ids)).status_code == 200
    response = home_client.get(page.format(**away.ids))
    assert response.status_code == 404
    assert f"Regulars of {away.market.name}" not in response.get_data(as_text=True)


FORMS = [
    ("/admin/customer-groups/{group}", {"name": "Mine now", "discount_percent": "5"}, "group"),
    ("/admin/customer-groups/{group}/delete", {}, "group"),
    ("/admin/segments/{segment}/delete", {}, "segment"),
    ("/admin/payments/refresh/{customer}", {}, "customer"),
]


@pytest.mark.parametrize(("action", "data", "row"), FORMS)
def test_a_change_to_another_markets_row_is_a_404_and_changes_nothing(
    markets, home_client, action, data, row
):
    _, away = markets
    token = csrf_token_from(home_client.get("/admin/customer-groups/").get_data(as_text=True))
    response = home_client.post(action.format(**away.ids), data={**data, "csrf_token": token})
    assert response.status_code == 404
    db.session.expire_all()
    model = {"group": CustomerGroup, "segment": Segment, "customer": Account}[row]
    kept = db.session.get(model, away.ids[row])
    assert kept is not None
    if row == "group":
        assert kept.name == "Wholesale Away"


MODELS = [
    (Account, "customer"),
    (Segment, "segment"),
    (Campaign, "campaign"),
    (CustomerGroup, "group"),
    (Address, "address"),
    (MailEvent, "mail_event"),
    (Order, "order"),
    (LedgerEntry, "entry"),
    (AuditEntry, "audit"),
    (ActAsSession, "act_as"),
    (DataRequest, "data_request"),
    (Product, "product"),
    (PickupLocation, "pickup"),
]


@pytest.mark.parametrize(("model", "key"), MODELS)
def test_the_gate_finds_a_markets_own_row_and_never_another_markets(markets, model, key):
    home, away = markets
    mine = get_in_market(model, home.ids[key], home.market)
    assert mine.id == home.ids[key] and belongs_to(mine, home.market)
    assert find_in_market(model, away.ids[key], home.market) is None
    with pytest.raises(NotInMarket):
        get_in_market(model, away.ids[key], home.market)
    assert not belongs_to(db.session.get(model, away.ids[key]), home.market)


def test_a_segment_of_another_market_is_not_deleted(markets):
    home, away = markets
    segment = db.session.get(Segment, away.ids["segment"])
    with pytest.raises(NotInMarket):
        delete_segment(home.manager, home.market, segment)
    assert db.session.get(Segment, away.ids["segment"]) is not None


def test_segment_and_pickup_lookups_see_only_their_market(markets):
    home, away = markets
    assert segment_with_pickup_name(home.market, away.ids["segment"]) is None
    segment, name = segment_with_pickup_name(home.market, home.ids["segment"])
    assert segment.id == home.ids["segment"] and name is not None
    assert pickup_name(home.market, away.ids["pickup"]) is None
    assert pickup_name(home.market, home.ids["pickup"]) == name


def test_a_group_of_another_market_is_refused(markets):
    home, away = markets
    with pytest.raises(BulkError):
        market_group(home.market, away.ids["group"])
    assert market_group(home.market, home.ids["group"]).id == home.ids["group"]
    customer = db.session.get(Account, home.ids["customer"])
    with pytest.raises(GroupError):
        update_group_and_tax(customer, home.manager, away.ids["group"], False, "")
    assert customer.customer_group_id is None


def test_a_product_of_another_market_is_not_for_sale(markets):
    home, away = markets
    shopper = db.session.get(Account, home.ids["customer"])
    with pytest.raises(ShopError):
        set_cart_quantity(shopper, home.market, away.ids["product"], "1")
    set_cart_quantity(shopper, home.market, home.ids["product"], "1")


def test_an_address_of_another_account_is_no_address(markets):
    home, away = markets
    customer = db.session.get(Account, home.ids["customer"])
    assert address_of(customer, away.ids["address"]) is None
    assert address_of(customer, home.ids["address"]).id == home.ids["address"]


def test_the_timeline_of_another_markets_customer_is_refused(markets):
    home, away = markets
    with pytest.raises(ValueError):
        timeline_page(home.market, db.session.get(Account, away.ids["customer"]))

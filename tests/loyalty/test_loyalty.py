"""Loyalty points (specs 002, 003): the ledger, adjusting, earning, redeeming, bonus points."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.loyalty.models import LoyaltyEntry, LoyaltyKind
from lgadmin.loyalty.service import give_bonus_points
from lgadmin.orders.models import CartItem, Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.shop.service import checkout
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory, ProductFactory

GRID = "/admin/customers/"


@pytest.fixture(autouse=True)
def loyalty_on(market):
    """Every test here runs with the market's loyalty program on."""
    market.loyalty_enabled = True
    db.session.commit()


@pytest.fixture
def member(market):
    return AccountFactory(market=market, first_name="Robin", loyalty_points=0)


def points_of(account) -> int | None:
    return fresh(Account, account.id).loyalty_points


def ledger_sum(account) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
            LoyaltyEntry.account_id == account.id
        )
    )


def adjust(client, account, action, points, reason="Birthday", follow=True, **extra):
    data = {"action": action, "points": points, "reason": reason, **extra}
    return post(client, account, "loyalty", data, follow=follow)


def test_adjust_loyalty_points_add_then_deduct_reads_the_new_balance(manager_client, member):
    html = adjust(manager_client, member, "add", "120").get_data(as_text=True)
    assert "Successfully added 120 points. New balance: 120 points." in html
    html = adjust(manager_client, member, "deduct", "20", "Correction").get_data(as_text=True)
    assert "Successfully deducted 20 points. New balance: 100 points." in html
    loyalty = section(html, "loyalty")
    assert "100 points" in loyalty and "+120" in loyalty and "-20" in loyalty
    assert "Correction" in loyalty and "Manual adjustment" in loyalty
    assert points_of(member) == 100 == ledger_sum(member)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("loyalty.adjusted") == 2


def test_the_dialog_has_the_labels_of_spec_002(manager_client, member):
    loyalty = section(details(manager_client, member), "loyalty")
    for label in ("Adjust Loyalty Points", "Add Points", "Deduct Points", "Number of Points"):
        assert label in loyalty
    assert ">Reason</label>" in loyalty


def test_a_deduction_below_zero_is_refused(manager_client, member):
    adjust(manager_client, member, "add", "10")
    html = adjust(manager_client, member, "deduct", "11").get_data(as_text=True)
    assert "take the balance below zero" in section(html, "loyalty")
    assert points_of(member) == 10 == ledger_sum(member)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("2.5", "Enter a whole number of points, like 50."),
        ("ten", "Enter a whole number of points, like 50."),
        ("-5", "Enter a positive number of points."),
        ("0", "Enter a positive number of points."),
        ("", "Enter the number of points."),
        ("99999999", "Adjust at most 1,000,000 points at a time."),
    ],
)
def test_bad_points_get_a_message_beside_the_field_and_change_nothing(
    manager_client, member, points, message
):
    response = adjust(manager_client, member, "add", points, follow=False)
    assert response.status_code == 400
    html = section(response.get_data(as_text=True), "loyalty")
    assert f'<div class="invalid-feedback d-block" id="points-error-1">{message}</div>' in html
    assert points_of(member) == 0
    assert db.session.scalar(select(func.count()).select_from(LoyaltyEntry)) == 0


def test_the_reason_is_required(manager_client, member):
    response = adjust(manager_client, member, "add", "5", reason="  ", follow=False)
    assert response.status_code == 400
    assert "Enter a reason." in section(response.get_data(as_text=True), "loyalty")
    assert points_of(member) == 0


def test_an_account_without_a_loyalty_account_gets_the_message(manager_client, market):
    plain = AccountFactory(market=market)
    html = adjust(manager_client, plain, "add", "5").get_data(as_text=True)
    assert "Customer does not have a loyalty account." in html
    assert points_of(plain) is None
    assert "Customer does not have a loyalty account." in section(
        details(manager_client, plain), "loyalty"
    )


def test_a_manager_can_open_a_loyalty_account(manager_client, market):
    plain = AccountFactory(market=market)
    post(manager_client, plain, "loyalty/enroll", {})
    assert points_of(plain) == 0


def test_nothing_happens_while_the_program_is_off(manager_client, market, member):
    market.loyalty_enabled = False
    db.session.commit()
    assert "The loyalty program is off at this market." in section(
        details(manager_client, member), "loyalty"
    )
    html = adjust(manager_client, member, "add", "5").get_data(as_text=True)
    assert "The loyalty program is not active at this market." in html
    assert points_of(member) == 0


def test_html_in_a_reason_is_shown_as_text(manager_client, member):
    html = adjust(manager_client, member, "add", "5", reason="<b>bold</b>").get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in section(html, "loyalty") and "<b>bold</b>" not in html


def test_grid_rows_offer_adjust_loyalty_points_and_the_dialog(manager_client, member, market):
    AccountFactory(market=market, email="noloyalty@example.org")
    html = manager_client.get(GRID).get_data(as_text=True)
    assert 'title="Adjust loyalty points"' in html
    assert f'data-url="/admin/customers/{member.id}/loyalty"' in html
    assert 'data-has-loyalty="1"' in html and 'data-has-loyalty="0"' in html
    assert 'id="lg-loyalty"' in html and "Customer does not have a loyalty account." in html
    # Adjusting from the grid returns to the grid.
    token = csrf_token_from(html)
    response = manager_client.post(
        f"/admin/customers/{member.id}/loyalty",
        data={
            "csrf_token": token,
            "action": "add",
            "points": "7",
            "reason": "Thanks",
            "next": GRID + "?search=Robin",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("search=Robin")
    assert points_of(member) == 7


def test_orders_earn_points_at_the_markets_rate_rounded_down(market):
    market.loyalty_points_per_unit = 2
    db.session.commit()
    shopper = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market, price_cents=640)
    order = place_order(shopper, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    # $12.80 spent: 12 whole dollars at 2 points each; the customer is enrolled by the order.
    assert points_of(shopper) == 24
    entry = db.session.scalars(select(LoyaltyEntry)).one()
    assert entry.kind == LoyaltyKind.EARNED and entry.order_id == order.id
    assert entry.reason == f"Order #{order.id}"


def test_no_points_and_no_enrolment_while_the_program_is_off():
    market = MarketFactory(loyalty_enabled=False)
    shopper = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market, price_cents=5000)
    place_order(shopper, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    assert points_of(shopper) is None


def test_points_are_redeemed_at_checkout(market):
    market.loyalty_point_value_cents = 5
    db.session.commit()
    shopper = AccountFactory(market=market, loyalty_points=0)
    db.session.add(
        LoyaltyEntry(
            market_id=market.id,
            account_id=shopper.id,
            kind=LoyaltyKind.BONUS,
            points=100,
            balance_after=100,
        )
    )
    shopper.loyalty_points = 100
    product = ProductFactory(grower__account__market=market, price_cents=300)
    db.session.add(CartItem(account_id=shopper.id, product_id=product.id, quantity=Decimal(1)))
    db.session.commit()
    order = checkout(shopper, market, PaymentChoice.PAY_AT_PICKUP, redeem_points=True)
    db.session.commit()
    # 60 points pay the $3.00; the $0.00 left earns nothing.
    assert order.loyalty_discount_cents == 300 and order.total_cents == 0
    assert points_of(shopper) == 40 == ledger_sum(shopper)
    kinds = db.session.scalars(select(LoyaltyEntry.kind).order_by(LoyaltyEntry.id)).all()
    assert kinds[-1] == LoyaltyKind.REDEEMED


def test_bonus_points_go_to_the_customers_the_grid_shows(manager_client, market):
    robins = [AccountFactory(market=market, first_name="Robin", loyalty_points=0) for _ in range(3)]
    unenrolled = AccountFactory(market=market, first_name="Robin")
    other = AccountFactory(market=market, first_name="Sam", loyalty_points=0)
    html = manager_client.get(GRID + "?search=Robin").get_data(as_text=True)
    assert 'id="lg-bonus"' in html and 'name="search" type="hidden" value="Robin"' in html
    response = manager_client.post(
        "/admin/customers/bonus-points",
        data={
            "csrf_token": csrf_token_from(html),
            "points": "50",
            "reason": "Spring party",
            "search": "Robin",
            "next": GRID + "?search=Robin",
        },
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Gave 50 bonus points to 3 customers. 1 without a loyalty account were skipped." in text
    assert [points_of(a) for a in robins] == [50, 50, 50]
    assert points_of(unenrolled) is None and points_of(other) == 0


def test_bonus_points_service_takes_any_list_of_ids_but_only_of_its_market(market, manager):
    mine = AccountFactory(market=market, loyalty_points=0)
    theirs = AccountFactory(market=MarketFactory(loyalty_enabled=True), loyalty_points=0)
    given, skipped, _ = give_bonus_points(manager, market, [mine.id, theirs.id], "10", "Segment")
    db.session.commit()
    assert (given, skipped) == (1, 0)
    assert points_of(mine) == 10 and points_of(theirs) == 0


def test_bad_bonus_points_change_nothing(manager_client, market, member):
    html = manager_client.get(GRID).get_data(as_text=True)
    response = manager_client.post(
        "/admin/customers/bonus-points",
        data={"csrf_token": csrf_token_from(html), "points": "1.5", "reason": "x"},
        follow_redirects=True,
    )
    assert "No bonus points were given: Enter a whole number of points" in response.get_data(
        as_text=True
    )
    assert points_of(member) == 0


def test_loyalty_history_page_lists_every_change(manager_client, member):
    adjust(manager_client, member, "add", "3")
    html = manager_client.get(f"/admin/customers/{member.id}/loyalty/history").get_data(
        as_text=True
    )
    assert "Loyalty points history" in html and "+3" in html and "Birthday" in html


def test_another_markets_customer_is_not_found(manager_client):
    stranger = AccountFactory(market=MarketFactory(loyalty_enabled=True), loyalty_points=0)
    token = csrf_token_from(manager_client.get(GRID).get_data(as_text=True))
    response = manager_client.post(
        f"/admin/customers/{stranger.id}/loyalty",
        data={"csrf_token": token, "action": "add", "points": "5", "reason": "x"},
    )
    assert response.status_code == 404
    assert manager_client.get(f"/admin/customers/{stranger.id}/loyalty/history").status_code == 404
    assert points_of(stranger) == 0


def test_loyalty_post_without_csrf_is_refused(manager_client, member):
    response = manager_client.post(
        f"/admin/customers/{member.id}/loyalty",
        data={"action": "add", "points": "5", "reason": "x"},
    )
    assert response.status_code == 400
    assert points_of(member) == 0


def test_deleting_an_account_removes_its_points(manager_client, market, manager):
    gone = AccountFactory(market=market, active=False, loyalty_points=0)
    give_bonus_points(manager, market, [gone.id], "5", "x")
    db.session.commit()
    post(manager_client, gone, "delete-account", {"confirm": "y"})
    assert fresh(Account, gone.id) is None
    assert db.session.scalar(select(func.count()).select_from(LoyaltyEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_bonus_points_go_to_a_whole_segment(manager_client, market):
    from lgadmin.segments.models import Segment

    volunteers = [
        AccountFactory(market=market, is_volunteer=True, loyalty_points=0) for _ in range(2)
    ]
    others = AccountFactory(market=market, loyalty_points=0)
    segment = Segment(market_id=market.id, name="Volunteers", criteria={"volunteer": "yes"})
    foreign = Segment(market_id=AccountFactory().market_id, name="Theirs", criteria={})
    db.session.add_all([segment, foreign])
    db.session.commit()
    html = manager_client.get(f"{GRID}?segment={segment.id}").get_data(as_text=True)
    assert f'name="segment" type="hidden" value="{segment.id}"' in html
    token = csrf_token_from(html)
    response = manager_client.post(
        "/admin/customers/bonus-points",
        data={
            "csrf_token": token,
            "points": "25",
            "reason": "Thanks for helping",
            "segment": str(segment.id),
        },
        follow_redirects=True,
    )
    text = response.get_data(as_text=True)
    assert "Gave 25 bonus points to 2 customers." in text
    assert [points_of(a) for a in volunteers] == [25, 25] and points_of(others) == 0
    refused = manager_client.post(
        "/admin/customers/bonus-points",
        data={"csrf_token": token, "points": "25", "reason": "x", "segment": str(foreign.id)},
    )
    assert refused.status_code == 404


def test_the_same_adjust_points_form_posted_twice_applies_once(manager_client, member):
    first = adjust(manager_client, member, "add", "50", submission_key="form-1").get_data(
        as_text=True
    )
    again = adjust(manager_client, member, "add", "50", submission_key="form-1").get_data(
        as_text=True
    )
    assert "Successfully added 50 points." in first
    assert "This points adjustment was saved already; it was not applied a second time." in again
    assert points_of(member) == 50 == ledger_sum(member)
    assert "Successfully added 50 points" in adjust(
        manager_client, member, "add", "50", submission_key="form-2"
    ).get_data(as_text=True)
    assert points_of(member) == 100

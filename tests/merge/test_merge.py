"""Merge duplicate customers: what moves, what the kept account ends up with, what is refused."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.comments import add_comment
from lgadmin.accounts.models import Account, AccountMerge, Comment
from lgadmin.act_as.models import ActAsSession
from lgadmin.addresses.models import Address
from lgadmin.audit.models import AuditEntry
from lgadmin.balance.models import LedgerEntry
from lgadmin.balance.service import adjust_balance
from lgadmin.extensions import TABLE_PREFIX, db
from lgadmin.loyalty.models import LoyaltyEntry, LoyaltyKind
from lgadmin.loyalty.service import enroll, record_points
from lgadmin.merge.service import (
    ACCOUNT_REFERENCES,
    MergeRefused,
    merge_accounts,
    preview_merge,
)
from lgadmin.onboarding.models import Token, TokenPurpose
from lgadmin.orders.models import CartItem, Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.payments.models import PaymentMethod
from lgadmin.timeutil import format_date, market_today, utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    PaymentMethodFactory,
    ProductFactory,
    SuperuserFactory,
)


@pytest.fixture(autouse=True)
def loyalty_on(market):
    """Every test here runs with the market's loyalty program on."""
    market.loyalty_enabled = True
    db.session.commit()


@pytest.fixture
def product(market):
    return ProductFactory(grower__account__market=market, price_cents=1000)


@pytest.fixture
def rob(market):
    """The duplicate that is merged away."""
    return AccountFactory(
        market=market,
        first_name="Rob",
        last_name="Smith",
        email="robert.smith+market@gmail.com",
        phone="+17065550100",
    )


@pytest.fixture
def robert(market):
    """The account that is kept."""
    return AccountFactory(
        market=market, first_name="Robert", last_name="Smith", email="robert.smith@gmail.com"
    )


def _ledger_sum(account_id):
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )


def _count(model, account_id):
    return db.session.scalar(
        select(func.count()).select_from(model).where(model.account_id == account_id)
    )


def _merge(manager, market, source, target):
    result = merge_accounts(manager, market, source, target)
    db.session.commit()
    db.session.expire_all()
    return result


def _snapshot(*accounts):
    """Everything a refused merge must leave as it was."""
    db.session.expire_all()
    rows = []
    for account in accounts:
        account = db.session.get(Account, account.id)
        rows.append(
            (
                account.email,
                account.active,
                account.balance_cents,
                account.version,
                account.password_hash,
                *(_count(m, account.id) for m in (Order, LedgerEntry, Comment, CartItem)),
            )
        )
    # Signing in writes an audit row of its own; a refused merge writes none.
    changes = select(func.count()).where(AuditEntry.action != "auth.signed_in")
    rows.append(db.session.scalar(changes))
    rows.append(db.session.scalar(select(func.count()).select_from(AccountMerge)))
    return rows


# -- what moves ----------------------------------------------------------------


def test_orders_ledger_comments_addresses_and_cart_move_to_the_kept_account(
    manager, market, product, rob, robert
):
    place_order(rob, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    place_order(robert, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    adjust_balance(rob.market, rob.id, 5000, "cash", "", manager)
    adjust_balance(robert.market, robert.id, 1500, "check", "", manager)
    add_comment(rob, "Prefers text messages.", author=manager)
    db.session.add_all(
        [
            Address(
                market_id=market.id,
                account_id=rob.id,
                line1="1 Oak St",
                city="Athens",
                postal_code="30601",
                is_default_shipping=True,
            ),
            Address(
                market_id=market.id,
                account_id=robert.id,
                line1="9 Elm St",
                city="Athens",
                postal_code="30601",
                is_default_shipping=True,
            ),
            CartItem(account_id=rob.id, product_id=product.id, quantity=Decimal(2)),
            CartItem(account_id=robert.id, product_id=product.id, quantity=Decimal(1)),
        ]
    )
    db.session.commit()
    expected_balance = rob.balance_cents + robert.balance_cents

    _merge(manager, market, rob, robert)

    kept, merged = db.session.get(Account, robert.id), db.session.get(Account, rob.id)
    assert _count(Order, kept.id) == 2 and _count(Order, merged.id) == 0
    assert _count(LedgerEntry, kept.id) == 4 and _count(LedgerEntry, merged.id) == 0
    assert kept.balance_cents == expected_balance == _ledger_sum(kept.id)
    assert merged.balance_cents == 0 == _ledger_sum(merged.id)
    assert kept.order_count == 2 and kept.total_spent_cents == 3000
    assert merged.order_count == 0
    assert _count(Address, kept.id) == 2
    defaults = db.session.scalars(
        select(Address.line1).where(Address.account_id == kept.id, Address.is_default_shipping)
    ).all()
    assert defaults == ["9 Elm St"]  # the kept account's default stays the default
    cart = db.session.scalars(select(CartItem).where(CartItem.account_id == kept.id)).all()
    assert [(c.product_id, c.quantity) for c in cart] == [(product.id, Decimal(3))]
    bodies = db.session.scalars(select(Comment.body).where(Comment.account_id == kept.id)).all()
    assert "Prefers text messages." in bodies


def test_the_running_balance_of_the_kept_ledger_is_rewritten_in_time_order(
    manager, market, rob, robert
):
    now = utcnow()
    adjust_balance(rob.market, rob.id, 2000, "cash", "", manager, at=now - timedelta(days=3))
    adjust_balance(robert.market, robert.id, 500, "cash", "", manager, at=now - timedelta(days=2))
    adjust_balance(rob.market, rob.id, -300, "correction", "", manager, at=now - timedelta(days=1))
    db.session.commit()

    _merge(manager, market, rob, robert)

    rows = db.session.scalars(
        select(LedgerEntry.balance_after_cents)
        .where(LedgerEntry.account_id == robert.id)
        .order_by(LedgerEntry.created_at)
    ).all()
    assert rows == [2000, 2500, 2200]
    assert db.session.get(Account, robert.id).balance_cents == 2200


def test_the_merged_default_address_becomes_the_kept_accounts_mailing_address(
    manager, market, rob, robert
):
    db.session.add(
        Address(
            market_id=market.id,
            account_id=rob.id,
            line1="1 Oak St",
            city="Athens",
            postal_code="30601",
            is_default_shipping=True,
        )
    )
    rob.address_line1, rob.city, rob.postal_code = "1 Oak St", "Athens", "30601"
    db.session.commit()
    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    assert (kept.address_line1, kept.city, kept.postal_code) == ("1 Oak St", "Athens", "30601")


def test_the_kept_accounts_own_mailing_address_wins(manager, market, rob, robert):
    db.session.add(
        Address(
            market_id=market.id,
            account_id=rob.id,
            line1="1 Oak St",
            city="Athens",
            postal_code="30601",
            is_default_shipping=True,
        )
    )
    robert.address_line1, robert.city, robert.postal_code = "9 Elm St", "Athens", "30605"
    db.session.commit()
    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    assert (kept.address_line1, kept.postal_code) == ("9 Elm St", "30605")
    moved = db.session.scalars(select(Address).where(Address.account_id == kept.id)).one()
    assert moved.line1 == "1 Oak St" and not moved.is_default_shipping


def test_membership_keeps_the_later_expiry(manager, market, rob, robert):
    rob.membership_expires_on = market_today(market) + timedelta(days=200)
    robert.membership_expires_on = market_today(market) + timedelta(days=20)
    db.session.commit()
    _merge(manager, market, rob, robert)
    assert db.session.get(Account, robert.id).membership_expires_on == market_today(
        market
    ) + timedelta(days=200)


def test_membership_of_the_kept_account_wins_when_it_is_later(manager, market, rob, robert):
    robert.membership_expires_on = market_today(market) + timedelta(days=90)
    db.session.commit()
    _merge(manager, market, rob, robert)
    assert db.session.get(Account, robert.id).membership_expires_on == market_today(
        market
    ) + timedelta(days=90)


@pytest.mark.parametrize("mailings_off_on", ["merged", "kept"])
def test_flags_set_on_either_stay_set_and_mailings_stay_off_if_either_was_off(
    manager, market, rob, robert, mailings_off_on
):
    rob.is_volunteer = True
    robert.is_wholesale = True
    (rob if mailings_off_on == "merged" else robert).receives_mailings = False
    db.session.commit()
    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    assert kept.is_volunteer and kept.is_wholesale and not kept.is_manager
    assert not kept.receives_mailings


def test_mailings_stay_on_when_both_received_them(manager, market, rob, robert):
    _merge(manager, market, rob, robert)
    assert db.session.get(Account, robert.id).receives_mailings


def test_loyalty_points_add_up_and_their_rows_move(manager, market, rob, robert):
    enroll(rob)
    record_points(rob.id, 120, LoyaltyKind.BONUS, "Welcome bonus")
    enroll(robert)
    record_points(robert.id, 30, LoyaltyKind.BONUS, "Welcome bonus")
    db.session.commit()
    _merge(manager, market, rob, robert)
    kept, merged = db.session.get(Account, robert.id), db.session.get(Account, rob.id)
    assert kept.loyalty_points == 150
    assert merged.loyalty_points is None
    assert _count(LoyaltyEntry, kept.id) == 2
    assert (
        db.session.scalar(
            select(func.sum(LoyaltyEntry.points)).where(LoyaltyEntry.account_id == kept.id)
        )
        == 150
    )


def test_card_on_file_moves_with_its_stripe_customer_when_the_kept_account_has_none(
    manager, market, rob, robert
):
    rob.stripe_customer_id = "cus_rob"
    PaymentMethodFactory(account=rob, last4="4242")
    db.session.commit()
    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    assert kept.stripe_customer_id == "cus_rob"
    assert [c.last4 for c in db.session.scalars(select(PaymentMethod))] == ["4242"]
    assert _count(PaymentMethod, kept.id) == 1


def test_the_kept_accounts_own_card_stays_and_the_other_is_dropped(manager, market, rob, robert):
    rob.stripe_customer_id, robert.stripe_customer_id = "cus_rob", "cus_robert"
    PaymentMethodFactory(account=rob, last4="1111")
    PaymentMethodFactory(account=robert, last4="2222")
    db.session.commit()
    preview = preview_merge(manager, market, rob, robert)
    assert "Visa ending 1111 is dropped" in preview.card
    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    assert kept.stripe_customer_id == "cus_robert"
    assert [c.last4 for c in db.session.scalars(select(PaymentMethod))] == ["2222"]


def test_the_grower_profile_moves_when_only_the_merged_account_sells(manager, market, robert):
    grower = GrowerFactory(account__market=market)
    _merge(manager, market, grower.account, robert)
    assert db.session.get(Account, robert.id).grower.id == grower.id


# -- the record of it ----------------------------------------------------------


def test_the_kept_account_gets_a_dated_comment_and_the_audit_log_an_entry(
    manager, market, rob, robert
):
    _merge(manager, market, rob, robert)
    comment = db.session.scalars(
        select(Comment).where(Comment.account_id == robert.id).order_by(Comment.id.desc())
    ).first()
    on = format_date(market_today(market))
    assert comment.body == f"Merged account of robert.smith+market@gmail.com on {on} by Maria Lopez"
    assert comment.author_id == manager.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "customer.merged")
    ).one()
    assert entry.market_id == market.id and entry.actor_id == manager.id
    assert entry.target_id == robert.id
    assert entry.details["merged_account_id"] == rob.id
    assert entry.details["kept_account_id"] == robert.id
    assert "robert.smith+market@gmail.com" in entry.summary


def test_the_merged_account_is_anonymised_inactive_and_cannot_sign_in(
    app, manager, market, rob, robert
):
    db.session.add(
        Token(
            account_id=rob.id,
            purpose=TokenPurpose.SET_PASSWORD,
            token_hash="a" * 64,
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    db.session.commit()
    _merge(manager, market, rob, robert)
    merged = db.session.get(Account, rob.id)
    assert merged.email == f"merged-{rob.id}@invalid"
    assert (merged.first_name, merged.last_name, merged.phone) == ("Merged", "account", "")
    assert merged.password_hash is None and not merged.active and not merged.receives_mailings
    assert db.session.scalars(select(AccountMerge)).one().kept_account_id == robert.id
    assert _count(Token, merged.id) == 0  # a set-password link can't revive it
    for email in ("robert.smith+market@gmail.com", merged.email):
        response = sign_in(app.test_client(), merged, email=email)
        assert response.status_code != 302
        assert "/admin" not in response.headers.get("Location", "")


# -- refused, and nothing changes ------------------------------------------------


def test_merging_an_account_with_itself_is_refused(manager, market, robert):
    before = _snapshot(robert)
    with pytest.raises(MergeRefused, match="merged with itself"):
        merge_accounts(manager, market, robert, robert)
    db.session.rollback()
    assert _snapshot(robert) == before


def test_merging_with_an_account_of_another_market_is_refused(manager, market, rob):
    elsewhere = AccountFactory(market=MarketFactory(), email="robert.smith@gmail.com")
    before = _snapshot(rob, elsewhere)
    with pytest.raises(MergeRefused, match="Both accounts must belong to this market"):
        merge_accounts(manager, market, rob, elsewhere)
    db.session.rollback()
    assert _snapshot(rob, elsewhere) == before


@pytest.mark.parametrize("who", ["manager", "superuser"])
@pytest.mark.parametrize("side", ["source", "target"])
def test_merging_a_manager_or_superuser_account_is_refused(manager, market, rob, who, side):
    if who == "manager":
        other = AccountFactory(market=market, manager=True)
    else:
        other = SuperuserFactory()
        other.market_id = market.id  # even one sitting in the market's table
        db.session.commit()
    source, target = (other, rob) if side == "source" else (rob, other)
    before = _snapshot(rob, other)
    with pytest.raises(MergeRefused, match="market manager or platform staff"):
        merge_accounts(manager, market, source, target)
    db.session.rollback()
    assert _snapshot(rob, other) == before


@pytest.mark.parametrize("side", ["source", "target"])
def test_merging_while_either_account_is_in_an_act_as_session_is_refused(
    manager, market, rob, robert, side
):
    shopper = rob if side == "source" else robert
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=shopper.id,
            expires_at=utcnow() + timedelta(minutes=20),
        )
    )
    db.session.commit()
    before = _snapshot(rob, robert)
    with pytest.raises(MergeRefused, match="act-as session"):
        merge_accounts(manager, market, rob, robert)
    db.session.rollback()
    assert _snapshot(rob, robert) == before


def test_an_ended_act_as_session_does_not_block_the_merge(manager, market, rob, robert):
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=rob.id,
            expires_at=utcnow(),
            ended_at=utcnow(),
        )
    )
    db.session.commit()
    _merge(manager, market, rob, robert)
    assert not db.session.get(Account, rob.id).active


def test_an_idle_act_as_session_does_not_block_the_merge(app, manager, market, rob, robert):
    idle = timedelta(minutes=app.config["LGADMIN_ACT_AS_IDLE_MINUTES"] + 1)
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=rob.id,
            expires_at=utcnow() + timedelta(minutes=20),
            last_seen_at=utcnow() - idle,
        )
    )
    db.session.commit()
    _merge(manager, market, rob, robert)
    assert not db.session.get(Account, rob.id).active


@pytest.mark.parametrize(
    "make_target, message",
    [
        (lambda market: AccountFactory(market=market, active=False), "is inactive"),
        (lambda market: AccountFactory(market=market, is_guest=True), "is a guest"),
        (lambda market: GrowerFactory(account__market=market).account, "Both accounts sell"),
    ],
)
def test_keeping_an_inactive_a_guest_or_a_second_grower_account_is_refused(
    manager, market, make_target, message
):
    source = GrowerFactory(account__market=market).account
    target = make_target(market)
    before = _snapshot(source, target)
    with pytest.raises(MergeRefused, match=message):
        merge_accounts(manager, market, source, target)
    db.session.rollback()
    assert _snapshot(source, target) == before


def test_an_account_already_merged_cannot_be_merged_or_kept(manager, market, rob, robert):
    third = AccountFactory(market=market)
    _merge(manager, market, rob, robert)
    merged = db.session.get(Account, rob.id)
    for source, target in ((merged, third), (third, merged)):
        with pytest.raises(MergeRefused):
            merge_accounts(manager, market, source, target)
        db.session.rollback()


def test_a_manager_of_another_market_may_not_merge(market, rob, robert):
    stranger = AccountFactory(market=MarketFactory(), manager=True)
    with pytest.raises(MergeRefused, match="Only this market's managers"):
        merge_accounts(stranger, market, rob, robert)


def test_every_reference_to_an_account_is_considered_by_the_merge(app):
    references = {
        f"{fk.parent.table.name.removeprefix(TABLE_PREFIX)}.{fk.parent.name}"
        for table in db.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == f"{TABLE_PREFIX}account"
    }
    assert references == set(ACCOUNT_REFERENCES), (
        "decide in lgadmin.merge.service.ACCOUNT_REFERENCES what a merge does with "
        f"{sorted(references ^ set(ACCOUNT_REFERENCES))}"
    )


# -- through the admin ---------------------------------------------------------------


def _merge_page(client, source, target):
    return client.get(f"/admin/customers/{source.id}/merge?into={target.id}")


def test_the_preview_shows_what_moves_and_changes_nothing(
    signed_in, manager, market, product, rob, robert
):
    place_order(rob, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    adjust_balance(rob.market, rob.id, 5000, "cash", "", manager)
    rob.membership_expires_on = market_today(market) + timedelta(days=100)
    db.session.commit()
    before = _snapshot(rob, robert)
    page = _merge_page(signed_in(manager), rob, robert).get_data(as_text=True)
    assert "will be merged into" in page
    assert "$0.00 (kept) + $30.00 (merged) = <strong>$30.00</strong>" in page
    assert f"Expires {format_date(market_today(market) + timedelta(days=100))}" in page
    assert 'data-confirm="Merge robert.smith+market@gmail.com into robert.smith@gmail.com?' in page
    assert _snapshot(rob, robert) == before


def test_merge_through_the_admin_lands_on_the_kept_account(signed_in, manager, market, rob, robert):
    adjust_balance(rob.market, rob.id, 1250, "cash", "", manager)
    db.session.commit()
    client = signed_in(manager)
    token = csrf_token_from(_merge_page(client, rob, robert).get_data(as_text=True))
    response = client.post(
        f"/admin/customers/{rob.id}/merge", data={"into": robert.id, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/customers/details/?id={robert.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Balance now $12.50" in page
    assert "Merged account of robert.smith+market@gmail.com" in page
    merged_page = client.get(f"/admin/customers/details/?id={rob.id}").get_data(as_text=True)
    assert "This account was merged into" in merged_page
    assert "Merge into another customer" not in merged_page


def test_the_picker_finds_only_this_markets_mergeable_customers(
    signed_in, manager, market, rob, robert
):
    AccountFactory(market=MarketFactory(), first_name="Robert", last_name="Elsewhere")
    AccountFactory(market=market, first_name="Robert", last_name="Boss", manager=True)
    AccountFactory(market=market, first_name="Robert", last_name="Gone", active=False)
    page = (
        signed_in(manager).get(f"/admin/customers/{rob.id}/merge?q=robert").get_data(as_text=True)
    )
    assert "robert.smith@gmail.com" in page
    for absent in ("Elsewhere", "Boss", "Gone", f"into={rob.id}"):
        assert absent not in page


def test_the_picker_search_ignores_accents(signed_in, manager, market, rob):
    AccountFactory(market=market, first_name="Siobhán", last_name="Núñez", email="sn@example.org")
    client = signed_in(manager)
    for query in ("siobhan", "NUNEZ", "Siobhán núñez"):
        page = client.get(f"/admin/customers/{rob.id}/merge", query_string={"q": query})
        assert "sn@example.org" in page.get_data(as_text=True), query


def test_another_markets_account_as_target_is_refused_and_changes_nothing(
    signed_in, manager, market, rob
):
    elsewhere = AccountFactory(market=MarketFactory())
    client = signed_in(manager)
    assert _merge_page(client, rob, elsewhere).status_code == 404
    token = csrf_token_from(client.get(f"/admin/customers/{rob.id}/merge").get_data(as_text=True))
    before = _snapshot(rob, elsewhere)
    response = client.post(
        f"/admin/customers/{rob.id}/merge",
        data={"into": elsewhere.id, "csrf_token": token},
        follow_redirects=True,
    )
    assert "That customer was not found at this market." in response.get_data(as_text=True)
    assert _snapshot(rob, elsewhere) == before


def test_another_markets_account_as_source_is_a_404(signed_in, manager, robert):
    elsewhere = AccountFactory(market=MarketFactory())
    client = signed_in(manager)
    assert _merge_page(client, elsewhere, robert).status_code == 404


def test_a_refused_merge_says_why_in_the_admin(signed_in, manager, market, rob, robert):
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=robert.id,
            expires_at=utcnow() + timedelta(minutes=20),
        )
    )
    db.session.commit()
    client = signed_in(manager)
    page = _merge_page(client, rob, robert).get_data(as_text=True)
    assert "is in an act-as session right now" in page
    assert 'value="Merge"' not in page
    token = csrf_token_from(client.get(f"/admin/customers/{rob.id}/merge").get_data(as_text=True))
    before = _snapshot(rob, robert)
    response = client.post(
        f"/admin/customers/{rob.id}/merge",
        data={"into": robert.id, "csrf_token": token},
        follow_redirects=True,
    )
    assert "is in an act-as session right now" in response.get_data(as_text=True)
    assert _snapshot(rob, robert) == before


def test_staff_roles_cannot_merge(signed_in, market, rob, robert):
    bookkeeper = AccountFactory(market=market, staff_role="bookkeeper")
    client = signed_in(bookkeeper)
    assert _merge_page(client, rob, robert).status_code == 403
    assert client.get("/admin/customers/duplicates/").status_code == 403
    details = client.get(f"/admin/customers/details/?id={rob.id}").get_data(as_text=True)
    assert "Merge into another customer" not in details


# -- with the other account features -------------------------------------------------


def test_an_erased_account_cannot_be_merged_either_way(manager, market, rob, robert):
    from lgadmin.privacy.service import erase_customer

    erase_customer(manager, market, rob)
    db.session.commit()
    for source, target in ((rob, robert), (robert, rob)):
        before = _snapshot(rob, robert)
        with pytest.raises(MergeRefused, match="erased account can't be merged"):
            merge_accounts(manager, market, source, target)
        db.session.rollback()
        assert _snapshot(rob, robert) == before


def test_open_data_requests_follow_the_person_to_the_kept_account(manager, market, rob, robert):
    from lgadmin.privacy.models import DataRequest, DataRequestKind

    db.session.add_all(
        [
            DataRequest(market_id=market.id, account_id=rob.id, kind=DataRequestKind.EXPORT),
            DataRequest(market_id=market.id, account_id=rob.id, kind=DataRequestKind.ERASURE),
            DataRequest(market_id=market.id, account_id=robert.id, kind=DataRequestKind.EXPORT),
        ]
    )
    db.session.commit()
    _merge(manager, market, rob, robert)
    open_requests = db.session.scalars(
        select(DataRequest).where(DataRequest.handled_at.is_(None))
    ).all()
    # Robert's own copy request answers Rob's too; Rob's erasure request now waits on Robert.
    assert sorted((r.account_id, r.kind.value) for r in open_requests) == [
        (robert.id, "erasure"),
        (robert.id, "export"),
    ]
    answered = db.session.scalars(
        select(DataRequest).where(DataRequest.handled_at.is_not(None))
    ).one()
    assert answered.account_id == rob.id
    assert f"#{robert.id}" in answered.outcome


def test_the_kept_accounts_data_export_lists_the_merge(manager, market, rob, robert):
    from lgadmin.privacy.export import customer_data

    _merge(manager, market, rob, robert)
    kept = db.session.get(Account, robert.id)
    merges = customer_data(manager, market, kept)["merges"]
    assert [(m["merged_account_id"], m["kept_account_id"]) for m in merges] == [(rob.id, robert.id)]
    assert merges[0]["merged_by"] == "Maria Lopez"

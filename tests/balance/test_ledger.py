"""Every balance change is a ledger row written with the cached balance, under a row lock."""

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lgadmin.accounts.models import Account
from lgadmin.balance.models import LedgerEntry, LedgerKind
from lgadmin.balance.service import (
    BalanceError,
    ReasonMissing,
    adjust_balance,
    chosen_reason,
    parse_amount,
)
from lgadmin.extensions import db
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import apply_payment_to_open_orders, place_order
from lgadmin.submissions import AlreadyApplied
from lgadmin.tenancy import NotInMarket
from tests.factories import AccountFactory, ProductFactory


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.50", 1250),
        ("-5", -500),
        ("$1,200", 120000),
        (" 0.01 ", 1),
        ("−3.10", -310),
        ("100000", 10000000),
        ("-100000.00", -10000000),
        (".5", 50),
    ],
)
def test_amounts_are_read_as_cents(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "Use at most two decimals."),
        ("abc", "Enter an amount like 12.50 or -5."),
        ("0", "Enter an amount other than zero."),
        ("0.00", "Enter an amount other than zero."),
        ("100000.01", "Adjustments are limited to 100,000.00 either way."),
        ("-1e9", "Enter an amount like 12.50 or -5."),
        ("", "Enter an amount like 12.50 or -5."),
        ("NaN", "Enter an amount like 12.50 or -5."),
    ],
)
def test_bad_amounts_are_refused_with_a_message(text, message):
    with pytest.raises(BalanceError, match=message):
        parse_amount(text)


def _ledger_sum(account_id):
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )


def test_adjustment_writes_a_ledger_row_with_who_and_when():
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market)
    entry = adjust_balance(account.market, account.id, 2500, "cash", "", manager)
    db.session.commit()
    assert entry.kind == LedgerKind.PREPAYMENT
    assert entry.reason_text == "Customer Paid Cash"
    assert entry.created_by_id == manager.id and entry.created_at is not None
    assert db.session.get(Account, account.id).balance_cents == 2500 == entry.balance_after_cents


def test_payment_applied_to_open_orders_pays_oldest_first_and_keeps_the_rest():
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market)
    product = ProductFactory(grower__account__market=manager.market, price_cents=1000)
    first = place_order(account, [(product, Decimal(3))], PaymentChoice.PAY_AT_PICKUP)
    second = place_order(account, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    assert account.balance_cents == -5000
    entry = adjust_balance(
        account.market,
        account.id,
        4000,
        "cash",
        "",
        manager,
        pay_orders=apply_payment_to_open_orders,
    )
    db.session.commit()
    assert (first.amount_due_cents, first.paid_at is not None) == (0, True)
    assert (second.amount_due_cents, second.paid_at) == (1000, None)
    assert [a.amount_cents for a in entry.allocations] == [3000, 1000]
    adjust_balance(
        account.market,
        account.id,
        3000,
        "check",
        "",
        manager,
        pay_orders=apply_payment_to_open_orders,
    )
    db.session.commit()
    assert second.amount_due_cents == 0
    assert account.balance_cents == 2000  # what is left stays as balance


def test_cached_balance_always_equals_the_ledger_sum():
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market)
    product = ProductFactory(grower__account__market=manager.market, price_cents=725)
    steps = [
        lambda: adjust_balance(account.market, account.id, 1000, "promo", "Welcome", manager),
        lambda: place_order(account, [(product, Decimal(4))], PaymentChoice.BALANCE),
        lambda: place_order(account, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP),
        lambda: adjust_balance(account.market, account.id, -250, "correction", "Fee", manager),
        lambda: adjust_balance(
            account.market,
            account.id,
            5000,
            "cash",
            "",
            manager,
            pay_orders=apply_payment_to_open_orders,
        ),
        lambda: place_order(account, [(product, Decimal(2))], PaymentChoice.CARD),
        lambda: adjust_balance(account.market, account.id, -1200, "refund", "Returned", manager),
    ]
    for step in steps:
        step()
        db.session.commit()
        db.session.refresh(account)
        assert account.balance_cents == _ledger_sum(account.id)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 3


def test_concurrent_adjustments_lose_no_update(app, postgres_url):
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market)
    account_id, manager_id = account.id, manager.id
    errors = []

    def worker(n):
        try:
            with app.app_context():
                actor = db.session.get(Account, manager_id)
                for i in range(50):
                    adjust_balance(
                        actor.market, account_id, (n + 1) * 100 + i, "other", f"t{n}-{i}", actor
                    )
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = sum((n + 1) * 100 + i for n in range(8) for i in range(50))
    db.session.expire_all()
    assert db.session.get(Account, account_id).balance_cents == expected == _ledger_sum(account_id)
    rows = db.session.scalar(select(func.count()).where(LedgerEntry.account_id == account_id))
    assert rows == 400


def test_the_same_form_submitted_at_once_from_many_requests_applies_once(app, postgres_url):
    manager = AccountFactory(manager=True)
    account = AccountFactory(market=manager.market)
    account_id, manager_id = account.id, manager.id
    outcomes, errors = [], []

    def worker():
        try:
            with app.app_context():
                actor = db.session.get(Account, manager_id)
                try:
                    adjust_balance(
                        actor.market, account_id, 2500, "cash", "", actor, submission_key="k-1"
                    )
                    db.session.commit()
                    outcomes.append("applied")
                except AlreadyApplied:
                    db.session.rollback()
                    outcomes.append("already")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(outcomes) == ["already"] * 5 + ["applied"]
    db.session.expire_all()
    assert db.session.get(Account, account_id).balance_cents == 2500 == _ledger_sum(account_id)


def test_a_held_balance_lock_does_not_hold_up_a_mail_event_for_the_account(app, postgres_url):
    from sqlalchemy import text

    from lgadmin.accounts.locks import lock_account
    from lgadmin.deliverability.models import MailEvent, MailEventKind

    account = AccountFactory()
    account_id, market_id = account.id, account.market_id
    db.session.commit()
    locked, release, outcome = threading.Event(), threading.Event(), []

    def adjusting():
        with app.app_context():
            lock_account(account_id)  # as adjust_balance holds it until it commits
            locked.set()
            release.wait(10)
            db.session.rollback()

    holder = threading.Thread(target=adjusting)
    holder.start()
    assert locked.wait(10)
    try:
        with app.app_context():
            # A webhook must not wait on a manager's adjustment: give up after one second.
            db.session.execute(text("SET LOCAL lock_timeout = '1s'"))
            db.session.add(
                MailEvent(
                    provider="mailgun",
                    provider_event_id="while-locked",
                    kind=MailEventKind.HARD_BOUNCE,
                    email=account.email,
                    market_id=market_id,
                    account_id=account_id,
                    raw="{}",
                )
            )
            db.session.commit()
            outcome.append("stored")
    finally:
        release.set()
        holder.join()
    assert outcome == ["stored"]


@pytest.mark.parametrize(
    ("picked", "typed", "reason"),
    [
        ("", "Bag fee", ("other", "Bag fee")),  # a typed reason with none picked is Other
        ("cash", "", ("cash", "")),
        ("promo", " Welcome ", ("promo", "Welcome")),
        ("other", "Bag fee", ("other", "Bag fee")),
    ],
)
def test_a_typed_reason_means_other(picked, typed, reason):
    assert chosen_reason(picked, typed) == reason


@pytest.mark.parametrize(("picked", "typed"), [("", ""), ("", "   "), ("other", ""), (None, None)])
def test_no_reason_or_other_without_words_is_refused(picked, typed):
    with pytest.raises(ReasonMissing, match="Pick a reason or type your own."):
        chosen_reason(picked, typed)


def test_an_adjustment_names_its_market_and_refuses_another_markets_account(manager, other_market):
    """The service takes the market: an id from elsewhere moves no money and writes no row."""
    stranger = AccountFactory(market=other_market, balance_cents=0)
    with pytest.raises(NotInMarket):
        adjust_balance(manager.market, stranger.id, 2500, "cash", "", manager)
    db.session.rollback()
    assert db.session.get(Account, stranger.id).balance_cents == 0
    assert _ledger_sum(stranger.id) == 0

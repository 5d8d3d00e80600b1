"""The balance ledger: every change is a row, written with the cached balance under a row lock."""

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from ..accounts.closed import closed_reason
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from ..money import format_money
from ..orders.models import Order
from ..staff.roles import adjusts_own_account
from ..submissions import claim_submission
from ..timeutil import utcnow
from .models import LedgerAllocation, LedgerEntry, LedgerKind

REASONS = {
    "cash": "Customer Paid Cash",
    "check": "Customer Paid Check",
    "promo": "Promotional Credit",
    "refund": "Refund",
    "correction": "Correction",
    "other": "Other",
}
PAYMENT_REASONS = {"cash", "check"}
MAX_ADJUSTMENT_CENTS = 100_000_00
OWN_BALANCE = "You can't adjust your own balance: ask another manager of the market to do it."


class BalanceError(ValueError):
    pass


class ReasonMissing(BalanceError):
    """The adjustment form names no reason (or Other without saying what)."""


PICK_A_REASON = "Pick a reason or type your own."


def chosen_reason(picked: str | None, typed: str | None) -> tuple[str, str]:
    """The reason code and text of a manager's adjustment, from the reason picked and the
    one typed: a typed reason with none picked is Other, and Other needs the typed words
    (the ledger and the customer's history show them). Raises ReasonMissing."""
    code, text = (picked or "").strip(), (typed or "").strip()
    if not code and text:
        code = "other"
    if not code or (code == "other" and not text):
        raise ReasonMissing(PICK_A_REASON)
    return code, text


def parse_amount(text: str) -> int:
    """'12.50', '-5', '$1,200' as integer cents; refuses what a person would not mean."""
    cleaned = (text or "").strip().replace(",", "").replace("$", "").replace("−", "-")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise BalanceError("Enter an amount like 12.50 or -5.")
    value = Decimal(cleaned)
    if abs(value) > MAX_ADJUSTMENT_CENTS:  # before quantize, which overflows past 28 digits
        raise BalanceError("Adjustments are limited to 100,000.00 either way.")
    if value != value.quantize(Decimal("0.01")):
        raise BalanceError("Use at most two decimals.")
    cents = int(value * 100)
    if cents == 0:
        raise BalanceError("Enter an amount other than zero.")
    if abs(cents) > MAX_ADJUSTMENT_CENTS:
        raise BalanceError("Adjustments are limited to 100,000.00 either way.")
    return cents


def lock_account(account_id: int) -> Account:
    """The account row, locked until the transaction ends (a no-op lock on SQLite).

    FOR NO KEY UPDATE, since no balance change touches the key: it still serialises every
    writer of the row, but rows that merely refer to the account (a mail event, a comment)
    are inserted without waiting for it, as their foreign key check only takes KEY SHARE."""
    stmt = select(Account).where(Account.id == account_id).with_for_update(key_share=True)
    account = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    return account


def record_entry(
    account_id: int,
    amount_cents: int,
    kind: LedgerKind,
    *,
    reason_code: str = "",
    reason_text: str = "",
    actor: Account | None = None,
    order: Order | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Add a ledger row and move the cached balance with it. The caller commits."""
    account = lock_account(account_id)
    account.balance_cents += amount_cents
    entry = LedgerEntry(
        market_id=account.market_id,
        account_id=account.id,
        kind=kind,
        amount_cents=amount_cents,
        balance_after_cents=account.balance_cents,
        reason_code=reason_code,
        reason_text=reason_text,
        created_by_id=actor.id if actor else None,
        order_id=order.id if order else None,
        created_at=at or utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def adjust_balance(
    account_id: int,
    amount_cents: int,
    reason_code: str,
    reason_text: str,
    actor: Account | None,
    *,
    apply_to_open_orders: bool = False,
    at: datetime | None = None,
    submission_key: str | None = None,
) -> LedgerEntry:
    """A manager's adjustment; payments received count as prepayments.

    With the form's `submission_key`, a second submission of the same form raises
    AlreadyApplied and writes nothing."""
    if adjusts_own_account(actor, account_id):
        raise BalanceError(OWN_BALANCE)
    if amount_cents == 0:
        raise BalanceError("Enter an amount other than zero.")
    if abs(amount_cents) > MAX_ADJUSTMENT_CENTS:
        raise BalanceError("Adjustments are limited to 100,000.00 either way.")
    if reason_code not in REASONS:
        raise BalanceError(PICK_A_REASON)
    text = (reason_text or "").strip() or REASONS[reason_code]
    account = db.session.get(Account, account_id)
    closed = closed_reason(account)
    if closed:
        raise BalanceError(closed)
    claim_submission(account.market_id, submission_key, "balance")
    kind = LedgerKind.PREPAYMENT if reason_code in PAYMENT_REASONS else LedgerKind.ADJUSTMENT
    if reason_code == "refund":
        kind = LedgerKind.REFUND
    entry = record_entry(
        account_id,
        amount_cents,
        kind,
        reason_code=reason_code,
        reason_text=text,
        actor=actor,
        at=at,
    )
    paid_orders = []
    if apply_to_open_orders and amount_cents > 0:
        paid_orders = [a.order_id for a in apply_payment_to_open_orders(entry)]
    account = db.session.get(Account, account_id)
    record(
        actor,
        account.market_id,
        "balance.adjusted",
        account,
        f"Balance of {account.email} adjusted by "
        f"{format_money(amount_cents, account.market.currency)} ({text})",
        amount_cents=amount_cents,
        reason=text,
        balance_after_cents=entry.balance_after_cents,
        applied_to_orders=paid_orders,
    )
    return entry


def apply_payment_to_open_orders(entry: LedgerEntry) -> list[LedgerAllocation]:
    """Spend a payment on the account's unpaid orders, oldest first."""
    remaining = entry.amount_cents
    allocations = []
    open_orders = db.session.scalars(
        select(Order)
        .where(
            Order.account_id == entry.account_id,
            Order.amount_due_cents > 0,
            Order.cancelled_at.is_(None),
        )
        .order_by(Order.placed_at, Order.id)
        .with_for_update()
    )
    for order in open_orders:
        if remaining <= 0:
            break
        paid = min(remaining, order.amount_due_cents)
        order.amount_due_cents -= paid
        # The payment reaches the order through the balance, so the order shows it as applied.
        order.balance_applied_cents += paid
        if order.amount_due_cents == 0:
            order.paid_at = entry.created_at
        remaining -= paid
        allocation = LedgerAllocation(entry=entry, order_id=order.id, amount_cents=paid)
        db.session.add(allocation)
        allocations.append(allocation)
    db.session.flush()
    return allocations

"""The balance ledger: every change is a row, written with the cached balance under a row lock."""

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from ..accounts.closed import closed_reason
from ..accounts.locks import lock_account
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..money import format_money
from ..signals import balance_adjusted, send_after_commit
from ..staff.roles import adjusts_own_account
from ..submissions import claim_submission
from ..tenancy import get_in_market
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


def record_entry(
    account_id: int,
    amount_cents: int,
    kind: LedgerKind,
    *,
    reason_code: str = "",
    reason_text: str = "",
    actor: Account | None = None,
    order_id: int | None = None,
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
        order_id=order_id,
        created_at=at or utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def adjust_balance(
    market: Market,
    account_id: int,
    amount_cents: int,
    reason_code: str,
    reason_text: str,
    actor: Account | None,
    *,
    pay_orders: Callable[[LedgerEntry], list[LedgerAllocation]] | None = None,
    at: datetime | None = None,
    submission_key: str | None = None,
) -> LedgerEntry:
    """A manager's adjustment; payments received count as prepayments.

    `pay_orders` spends a payment on the account's open orders
    (orders.service.apply_payment_to_open_orders: the orders domain sits above the ledger).
    With the form's `submission_key`, a second submission of the same form raises
    AlreadyApplied and writes nothing. An account outside `market` raises NotInMarket."""
    if adjusts_own_account(actor, account_id):
        raise BalanceError(OWN_BALANCE)
    if amount_cents == 0:
        raise BalanceError("Enter an amount other than zero.")
    if abs(amount_cents) > MAX_ADJUSTMENT_CENTS:
        raise BalanceError("Adjustments are limited to 100,000.00 either way.")
    if reason_code not in REASONS:
        raise BalanceError(PICK_A_REASON)
    text = (reason_text or "").strip() or REASONS[reason_code]
    account = get_in_market(Account, account_id, market)
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
    if pay_orders is not None and amount_cents > 0:
        paid_orders = [a.order_id for a in pay_orders(entry)]
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
    send_after_commit(
        balance_adjusted, account=account, entry=entry, amount_cents=amount_cents, actor=actor
    )
    return entry

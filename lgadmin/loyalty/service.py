"""The loyalty points ledger: every change is a row, written with the cached total under a row lock.

Points are whole numbers. An account has a loyalty account once it is enrolled
(by its first order while the market's program is on, or by a manager);
`Account.loyalty_points` is None until then.
"""

import re
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from ..accounts.closed import closed_reason
from ..accounts.locks import lock_account
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..staff.roles import adjusts_own_account
from ..submissions import claim_submission
from ..tenancy import of_market
from ..timeutil import utcnow
from .models import LoyaltyEntry, LoyaltyKind

MAX_POINTS = 1_000_000
MAX_REASON = 200
NO_LOYALTY_ACCOUNT = "Customer does not have a loyalty account."
PROGRAM_OFF = "The loyalty program is not active at this market."
OWN_POINTS = "You can't adjust your own loyalty points: ask another manager of the market to do it."


class LoyaltyError(ValueError):
    def __init__(self, message: str, field: str = "points"):
        super().__init__(message)
        self.field = field


def parse_points(text) -> int:
    """A positive whole number of points, from what a manager typed."""
    cleaned = str(text if text is not None else "").strip().replace(",", "")
    if not cleaned:
        raise LoyaltyError("Enter the number of points.")
    if not re.fullmatch(r"[+-]?\d+", cleaned):
        raise LoyaltyError("Enter a whole number of points, like 50.")
    points = int(cleaned)
    if points <= 0:
        raise LoyaltyError("Enter a positive number of points.")
    if points > MAX_POINTS:
        raise LoyaltyError(f"Adjust at most {MAX_POINTS:,} points at a time.")
    return points


def clean_reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise LoyaltyError("Enter a reason.", "reason")
    if len(reason) > MAX_REASON:
        raise LoyaltyError(f"Keep the reason to {MAX_REASON} characters or fewer.", "reason")
    return reason


def enroll(account: Account, actor: Account | None = None) -> bool:
    """Open the account's loyalty account (0 points); False when it has one already."""
    locked = lock_account(account.id)
    if locked.loyalty_points is not None:
        return False
    locked.loyalty_points = 0
    if actor is not None:
        record(
            actor,
            locked.market_id,
            "loyalty.enrolled",
            locked,
            f"Opened a loyalty account for {locked.email}",
        )
    return True


def record_points(
    account_id: int,
    points: int,
    kind: LoyaltyKind,
    reason: str,
    *,
    actor: Account | None = None,
    order_id: int | None = None,
    at: datetime | None = None,
) -> LoyaltyEntry:
    """Add a ledger row and move the cached total with it; never below zero. The caller commits."""
    account = lock_account(account_id)
    if account.loyalty_points is None:
        raise LoyaltyError(NO_LOYALTY_ACCOUNT)
    after = account.loyalty_points + points
    if after < 0:
        raise LoyaltyError(
            f"The customer has only {account.loyalty_points:,} points; "
            "a deduction can't take the balance below zero."
        )
    account.loyalty_points = after
    entry = LoyaltyEntry(
        market_id=account.market_id,
        account_id=account.id,
        kind=kind,
        points=points,
        balance_after=after,
        reason=reason[:500],
        order_id=order_id,
        created_by_id=actor.id if actor else None,
        created_at=at or utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def adjust_points(
    account: Account,
    actor: Account,
    action: str,
    raw_points,
    reason: str,
    *,
    submission_key: str | None = None,
) -> LoyaltyEntry:
    """A manager's "Adjust loyalty points": Add Points or Deduct Points, with a reason.

    With the form's `submission_key`, a second submission raises AlreadyApplied."""
    market = account.market
    if not market.loyalty_enabled:
        raise LoyaltyError(PROGRAM_OFF, field="")
    if adjusts_own_account(actor, account.id):
        raise LoyaltyError(OWN_POINTS)
    if action not in ("add", "deduct"):
        raise LoyaltyError("Choose Add Points or Deduct Points.", "action")
    closed = closed_reason(account)
    if closed:
        raise LoyaltyError(closed, field="")
    points = parse_points(raw_points)
    reason = clean_reason(reason)
    signed = points if action == "add" else -points
    claim_submission(account.market_id, submission_key, "loyalty")
    entry = record_points(account.id, signed, LoyaltyKind.MANUAL, reason, actor=actor)
    verb = "Added" if signed > 0 else "Deducted"
    record(
        actor,
        account.market_id,
        "loyalty.adjusted",
        account,
        f"{verb} {points:,} loyalty points for {account.email} ({reason})",
        points=signed,
        reason=reason,
        balance_after=entry.balance_after,
    )
    return entry


def points_for(market: Market, spent_cents: int) -> int:
    """Points an order earns: the market's rate per whole unit of currency, rounded down."""
    if not market.loyalty_enabled or spent_cents <= 0:
        return 0
    return (spent_cents // 100) * max(market.loyalty_points_per_unit, 0)


def earn_for_order(account: Account, market: Market, order, spent_cents: int) -> int:
    """Credit the points an order earns, enrolling the customer on their first order."""
    points = points_for(market, spent_cents)
    if not market.loyalty_enabled:
        return 0
    enroll(account)
    if points:
        record_points(
            account.id,
            points,
            LoyaltyKind.EARNED,
            f"Order #{order.id}",
            order_id=order.id,
            at=order.placed_at,
        )
    return points


def redeemable_cents(account: Account, market: Market, total_cents: int) -> tuple[int, int]:
    """(points, cents) a shopper can redeem against `total_cents`: whole points only."""
    value = market.loyalty_point_value_cents
    if not market.loyalty_enabled or not account.loyalty_points or value <= 0:
        return 0, 0
    points = min(account.loyalty_points, max(total_cents, 0) // value)
    return points, points * value


class BonusOutcome(NamedTuple):
    given: int
    skipped: int  # without a loyalty account
    own_account_left_out: bool  # the giver's own account was among them (segregation of duties)


def give_bonus_points(
    actor: Account, market: Market, account_ids, raw_points, reason: str
) -> BonusOutcome:
    """Bonus points to each of `account_ids` (of `market`) that has a loyalty account.

    Any list of ids will do: the grid's current search and filters, a saved segment. The
    giver's own account is left out: nobody gives themselves points.
    """
    if not market.loyalty_enabled:
        raise LoyaltyError(PROGRAM_OFF, field="")
    points = parse_points(raw_points)
    reason = clean_reason(reason)
    ids = sorted(
        db.session.scalars(
            select(Account.id).where(of_market(Account, market), Account.id.in_(account_ids))
        )
    )
    own = [account_id for account_id in ids if adjusts_own_account(actor, account_id)]
    ids = [account_id for account_id in ids if account_id not in own]
    given = skipped = 0
    for account_id in ids:  # locked in id order, so two bulk runs can't deadlock
        if lock_account(account_id).loyalty_points is None:
            skipped += 1
            continue
        record_points(account_id, points, LoyaltyKind.BONUS, reason, actor=actor)
        given += 1
    record(
        actor,
        market.id,
        "loyalty.bonus",
        None,
        f"Gave {points:,} bonus points to {given:,} customers ({reason})",
        points=points,
        reason=reason,
        given=given,
        skipped=skipped,
        own_account_left_out=bool(own),
    )
    return BonusOutcome(given, skipped, bool(own))


def loyalty_history(account: Account, limit: int | None = None) -> list[LoyaltyEntry]:
    stmt = (
        select(LoyaltyEntry)
        .where(LoyaltyEntry.account_id == account.id)
        .order_by(LoyaltyEntry.created_at.desc(), LoyaltyEntry.id.desc())
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))

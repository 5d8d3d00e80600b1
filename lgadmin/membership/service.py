"""Membership dates: month arithmetic that clamps to the month's end, and who is exempt."""

import calendar
from dataclasses import dataclass
from datetime import date

from ..accounts.models import Account
from ..accounts.versions import StaleForm, check_version
from ..audit.service import record
from ..signals import membership_changed, send_after_commit
from ..timeutil import format_date, market_today

CHANGES = {
    "add_year": ("Add A Year", 12),
    "add_month": ("Add A Month", 1),
    "remove_year": ("Remove A Year", -12),
    "remove_month": ("Remove A Month", -1),
}


class MembershipError(ValueError):
    pass


def add_months(start: date, months: int) -> date:
    """`start` moved by whole months; 31 January plus a month is the last day of February."""
    years, month_index = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month_index + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def grant_trial_orders(account: Account, market) -> None:
    """A new account starts with the trial orders its market offers.

    Every way an account comes to be calls this (a manager's form, a CSV row,
    signing up with or without an invitation, a guest row and a guest who
    registers), so no way in starts a shopper with fewer trials than another.
    """
    account.trial_orders_left = market.trial_orders_allowed


def is_exempt(account: Account) -> str | None:
    """Why the account needs no membership, or None."""
    if account.is_manager:
        return "market manager"
    if account.grower is not None and account.grower.is_approved:
        return "approved grower"
    return None


@dataclass
class MembershipStatus:
    summary: str
    current: bool


def membership_status(account: Account) -> MembershipStatus:
    exempt = is_exempt(account)
    if exempt:
        return MembershipStatus(f"Not required ({exempt})", True)
    expires = account.membership_expires_on
    if expires and expires >= market_today(account.market):
        return MembershipStatus(f"Member until {format_date(expires)}", True)
    trials = account.trial_orders_left
    trial_text = f"{trials} trial order{'s' if trials != 1 else ''} remaining"
    if expires:
        return MembershipStatus(f"Expired on {format_date(expires)} · {trial_text}", False)
    return MembershipStatus(f"Not a member · {trial_text}", False)


def update_membership(
    account: Account,
    actor: Account,
    *,
    change: str | None = None,
    expires_on: date | None = None,
    expected_version: int | None = None,
) -> date | None:
    """Apply one of CHANGES, or set `expires_on`; returns the new expiry. The caller commits."""
    check_version(account, expected_version)
    before = account.membership_expires_on
    if expires_on is not None:
        after = expires_on
    elif change in CHANGES:
        months = CHANGES[change][1]
        if months > 0:
            # Adding to an expired (or missing) membership starts from today.
            today = market_today(account.market)
            start = before if before and before >= today else today
        elif before is None:
            raise MembershipError("There is no membership to shorten.")
        else:
            start = before
        after = add_months(start, months)
    else:
        raise MembershipError("Choose an adjustment or an expiration date.")
    account.membership_expires_on = after
    account.version += 1
    record(
        actor,
        account.market_id,
        "membership.updated",
        account,
        f"Membership of {account.email}: {_label(before)} → {_label(after)}",
        before=_label(before),
        after=_label(after),
        change=change,
    )
    send_after_commit(
        membership_changed, account=account, actor=actor, expires_before=before, expires_after=after
    )
    return after


def _label(value: date | None) -> str:
    return value.isoformat() if value else "none"


__all__ = [
    "CHANGES",
    "MembershipError",
    "StaleForm",
    "add_months",
    "is_exempt",
    "membership_status",
    "update_membership",
]

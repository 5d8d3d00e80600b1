"""Segment criteria: read from a form or URL, refused with a message per criterion, and
turned into one SQL where-clause that the grid, the preview, the export and campaigns share.

Criteria travel as the form's field names with their raw text (the same names are the
grid's URL arguments and a saved segment's JSON), so a segment opens in the grid exactly as
it was previewed.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, false, func, or_, select

from ..accounts.models import Account
from ..catalog.models import GrowerProfile
from ..money import format_money
from ..orders.models import Order

FLAGS = {
    "member": "Member",
    "volunteer": "Volunteer",
    "grower": "Grower",
    "wholesale": "Wholesale",
    "negative_balance": "Negative balance",
    "receives_mailings": "Receives Mailings",
    "active": "Active",
}
NUMBER_FIELDS = (
    "orders_more_than",
    "orders_less_than",
    "last_order_within_days",
    "last_order_not_within_days",
    "frequency_months",
)
MONEY_FIELDS = ("spent_more_than", "spent_less_than")
RATE_FIELDS = ("frequency_at_least", "frequency_at_most")
FIELDS = (*NUMBER_FIELDS, *MONEY_FIELDS, *RATE_FIELDS, *FLAGS, "pickup_location")
# Which message slot (beside which criterion) each field's errors go to.
GROUP = {
    "orders_more_than": "orders",
    "orders_less_than": "orders",
    "spent_more_than": "spent",
    "spent_less_than": "spent",
    "last_order_within_days": "last_order",
    "last_order_not_within_days": "last_order",
    "frequency_at_least": "frequency",
    "frequency_at_most": "frequency",
    "frequency_months": "frequency",
    **{flag: flag for flag in FLAGS},
    "pickup_location": "pickup_location",
}
LIMITS = {
    "orders_more_than": 1_000_000,
    "orders_less_than": 1_000_000,
    "last_order_within_days": 36_500,
    "last_order_not_within_days": 36_500,
    "frequency_months": 120,
}
MAX_SPENT_CENTS = 10_000_000_00
MAX_RATE_HUNDREDTHS = 1_000_00
DAYS_PER_MONTH = 30  # "orders per month" counts a month as 30 days
_WHOLE = re.compile(r"\d{1,9}")
_NEGATIVE = re.compile(r"[-−]\s*[\d.]+")
_DECIMAL = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))?")


@dataclass
class Criteria:
    """Parsed criteria: `values` to filter with, `raw` to show again, `errors` by criterion."""

    raw: dict[str, str] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def is_empty(self) -> bool:
        return not self.values


def parse_criteria(data: Mapping, pickup_ids: set[int] | None = None) -> Criteria:
    """Read the criteria among `data` (unknown keys ignored). `pickup_ids`, when given,
    are the market's pickup locations a pickup criterion must be one of."""
    criteria = Criteria()
    for name in FIELDS:
        text = str(data.get(name) or "").strip()[:40]
        if text:
            criteria.raw[name] = text
    for name, text in criteria.raw.items():
        try:
            criteria.values[name] = _parse_value(name, text, pickup_ids)
        except ValueError as error:
            criteria.errors.setdefault(GROUP[name], str(error))
    _check_together(criteria)
    if criteria.errors:
        criteria.values = {}
    return criteria


def _parse_value(name: str, text: str, pickup_ids):
    if name in FLAGS:
        if text not in ("yes", "no"):
            raise ValueError("Choose yes, no or either.")
        return text == "yes"
    if name == "pickup_location":
        if not _WHOLE.fullmatch(text) or (pickup_ids is not None and int(text) not in pickup_ids):
            raise ValueError("Choose one of your pickup locations.")
        return int(text)
    if _NEGATIVE.fullmatch(text):
        raise ValueError("Negative numbers make no sense here: enter 0 or more.")
    if name in NUMBER_FIELDS:
        if not _WHOLE.fullmatch(text):
            raise ValueError(f"Enter a whole number, not “{text}”.")
        number = int(text)
        if number > LIMITS[name]:
            raise ValueError(f"Enter at most {LIMITS[name]:,}.")
        if number == 0 and name == "orders_less_than":
            raise ValueError("No customer has less than 0 orders.")
        if number == 0 and name != "orders_more_than":
            raise ValueError("Enter at least 1.")
        return number
    hundredths = _hundredths(text.replace("$", "").replace(",", "").strip())
    if hundredths is None:
        example = "100 or 49.50" if name in MONEY_FIELDS else "2 or 0.5"
        raise ValueError(f"Enter a number like {example}, not “{text}”.")
    if hundredths > (MAX_SPENT_CENTS if name in MONEY_FIELDS else MAX_RATE_HUNDREDTHS):
        raise ValueError("That number is too large.")
    return hundredths


def _hundredths(text: str) -> int | None:
    match = _DECIMAL.fullmatch(text)
    if match is None:
        return None
    whole, part = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(part)


def _check_together(criteria: Criteria) -> None:
    """Ranges that match nobody by construction, and values that need a partner."""
    v, errors = criteria.values, criteria.errors
    low, high = v.get("orders_more_than"), v.get("orders_less_than")
    if low is not None and high is not None and high - low <= 1:
        errors.setdefault("orders", f"No order count is more than {low} and less than {high}.")
    low, high = v.get("spent_more_than"), v.get("spent_less_than")
    if low is not None and high is not None and high <= low:
        errors.setdefault("spent", "“Less than” must be more than “more than”.")
    within, not_within = v.get("last_order_within_days"), v.get("last_order_not_within_days")
    if within is not None and not_within is not None and not_within >= within:
        errors.setdefault(
            "last_order",
            f"No last order is within {within} days and not within {not_within} days.",
        )
    rate_given = "frequency_at_least" in v or "frequency_at_most" in v
    if rate_given and "frequency_months" not in v:
        errors.setdefault("frequency", "Enter over how many months.")
    if "frequency_months" in v and not rate_given:
        errors.setdefault("frequency", "Enter the average orders per month.")
    low, high = v.get("frequency_at_least"), v.get("frequency_at_most")
    if low is not None and high is not None and high < low:
        errors.setdefault("frequency", "“At most” must not be less than “at least”.")


def criteria_clause(values: Mapping, now: datetime, today: date):
    """One where-clause over Account for parsed criteria values (AND of each criterion)."""
    clauses = []
    v = values
    if "orders_more_than" in v:
        clauses.append(Account.order_count > v["orders_more_than"])
    if "orders_less_than" in v:
        clauses.append(Account.order_count < v["orders_less_than"])
    if "spent_more_than" in v:
        clauses.append(Account.total_spent_cents > v["spent_more_than"])
    if "spent_less_than" in v:
        clauses.append(Account.total_spent_cents < v["spent_less_than"])
    if "last_order_within_days" in v:
        since = now - timedelta(days=v["last_order_within_days"])
        clauses.append(Account.last_order_at >= since)
    if "last_order_not_within_days" in v:
        since = now - timedelta(days=v["last_order_not_within_days"])
        clauses.append(or_(Account.last_order_at.is_(None), Account.last_order_at < since))
    if "frequency_months" in v:
        clauses.extend(_frequency_clauses(v, now))
    for flag in FLAGS:
        if flag in v:
            clause = _flag_clause(flag, today)
            clauses.append(clause if v[flag] else ~clause)
    if "pickup_location" in v:
        clauses.append(Account.pickup_location_id == v["pickup_location"])
    return and_(*clauses) if clauses else None


def _frequency_clauses(v: Mapping, now: datetime) -> list:
    """Average orders a month over the last N months, as id sets from one aggregate of the
    window's orders (not a count per customer): fast on a market of 100,000."""
    months = v["frequency_months"]
    in_window = (
        select(Order.account_id)
        .where(
            Order.cancelled_at.is_(None),
            Order.placed_at >= now - timedelta(days=DAYS_PER_MONTH * months),
        )
        .group_by(Order.account_id)
    )
    # average = orders / months, compared in hundredths so no float is involved
    orders = func.count(Order.id) * 100
    clauses = []
    if v.get("frequency_at_least"):
        enough = in_window.having(orders >= v["frequency_at_least"] * months)
        clauses.append(Account.id.in_(enough))
    if "frequency_at_most" in v:
        too_many = in_window.having(orders > v["frequency_at_most"] * months)
        clauses.append(Account.id.not_in(too_many))
    return clauses


def _flag_clause(flag: str, today: date):
    if flag == "member":
        return and_(
            Account.membership_expires_on.is_not(None), Account.membership_expires_on >= today
        )
    if flag == "grower":
        return exists().where(GrowerProfile.account_id == Account.id)
    if flag == "negative_balance":
        return Account.balance_cents < 0
    column = {
        "volunteer": Account.is_volunteer,
        "wholesale": Account.is_wholesale,
        "receives_mailings": Account.receives_mailings,
        "active": Account.active,
    }[flag]
    return column.is_(True)


def nobody():
    """A clause that matches no row: what refused criteria filter with, never 'everyone'."""
    return false()


def describe(values: Mapping, currency: str, pickup_name: str | None = None) -> list[str]:
    """The criteria in the market's words, one phrase each, for badges and summaries."""
    v, out = values, []
    if "orders_more_than" in v:
        out.append(f"More than {v['orders_more_than']} orders")
    if "orders_less_than" in v:
        out.append(f"Less than {v['orders_less_than']} orders")
    if "spent_more_than" in v:
        out.append(f"Spent more than {format_money(v['spent_more_than'], currency)}")
    if "spent_less_than" in v:
        out.append(f"Spent less than {format_money(v['spent_less_than'], currency)}")
    if "last_order_within_days" in v:
        out.append(f"Last order within {v['last_order_within_days']} days")
    if "last_order_not_within_days" in v:
        out.append(f"No order in the last {v['last_order_not_within_days']} days")
    if "frequency_months" in v:
        months = v["frequency_months"]
        for key, word in (("frequency_at_least", "At least"), ("frequency_at_most", "At most")):
            if key in v:
                rate = Decimal(v[key]) / 100
                out.append(f"{word} {rate.normalize():f} orders a month over {months} months")
    for flag, label in FLAGS.items():
        if flag in v:
            out.append(f"{label}: {'yes' if v[flag] else 'no'}")
    if "pickup_location" in v:
        out.append(f"Pickup location: {pickup_name or 'none of yours'}")
    return out

"""Cleaning what a manager or a shopper typed: names, email addresses, phones, pickup locations.

One set of rules for the "One at a time" form, each CSV row and the signup page.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select

from ..accounts.models import Account
from ..contact import (
    EMAIL_MESSAGES,
    InvalidPhone,
    email_problem,
    market_region,
    normalize_email,
    parse_phone,
)
from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..spreadsheet import restore
from ..tenancy import of_market, select_in_market

NAME_MAX = 80
ADDRESS_MAX = {
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def clean_text(value) -> str:
    """Trimmed, one space between words, no control characters.

    The apostrophes our exports put before formula-like text (lgadmin.spreadsheet) are
    taken off again, before the separators they follow become spaces, so exports
    re-import as they were.
    """
    text = restore(unicodedata.normalize("NFC", str(value or "")))
    return _SPACES.sub(" ", _CONTROL.sub("", text)).strip()


def pickup_locations_by_name(market: Market) -> dict[str, PickupLocation]:
    """The market's active pickup locations, keyed by lower-cased name."""
    if not market.pickup_locations_enabled:
        return {}
    locations = db.session.scalars(
        select_in_market(PickupLocation, market).where(PickupLocation.active.is_(True))
    )
    return {location.name.strip().lower(): location for location in locations}


def market_pickup_location(market: Market, location_id) -> PickupLocation | None:
    """The market's own active pickup location with this id (never another market's)."""
    if not market.pickup_locations_enabled or not location_id:
        return None
    return db.session.scalars(
        select_in_market(PickupLocation, market).where(
            PickupLocation.id == int(location_id), PickupLocation.active.is_(True)
        )
    ).first()


def existing_emails(market: Market, emails) -> set[str]:
    """Which of `emails` (normalized) already have an account at `market`."""
    # Stored addresses are normalized already, so the (market, email) index answers this.
    emails = sorted(set(emails))
    found: set[str] = set()
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        found.update(
            db.session.scalars(
                select(Account.email).where(of_market(Account, market), Account.email.in_(chunk))
            )
        )
    return found


@dataclass
class CustomerValues:
    """A customer's details, cleaned; `problems` maps a field to what is wrong with it."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    pickup_location_id: int | None = None
    address: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)


def clean_customer(market: Market, raw: dict) -> CustomerValues:
    """Clean and check a customer's details from a form (keys as Account's columns)."""
    values = CustomerValues(
        first_name=clean_text(raw.get("first_name")),
        last_name=clean_text(raw.get("last_name")),
        email=normalize_email(raw.get("email")),
    )
    for name in ("first_name", "last_name"):
        value = getattr(values, name)
        if not value:
            values.problems[name] = "This field is required."
        elif len(value) > NAME_MAX:
            values.problems[name] = f"Use at most {NAME_MAX} characters."
    problem = email_problem(values.email)
    if problem:
        values.problems["email"] = EMAIL_MESSAGES[problem]
    try:
        values.phone = parse_phone(raw.get("phone"), market_region(market))
    except InvalidPhone:
        values.problems["phone"] = "Enter a valid phone number, with its area code."
    if raw.get("pickup_location_id"):
        location = market_pickup_location(market, raw["pickup_location_id"])
        if location is None:
            values.problems["pickup_location_id"] = "Choose one of the market's pickup locations."
        else:
            values.pickup_location_id = location.id
    for name, limit in ADDRESS_MAX.items():
        if name in raw:
            value = clean_text(raw.get(name))
            if len(value) > limit:
                values.problems[name] = f"Use at most {limit} characters."
            values.address[name] = value
    return values

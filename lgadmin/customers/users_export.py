"""The users export: the market's customers as CSV, in the import template's columns."""

import csv
import io

from sqlalchemy import select

from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..onboarding.csv_import import COLUMNS
from ..onboarding.values import FORMULA_STARTS, display_phone, market_region
from ..timeutil import market_today
from .models import Account

# Excel reads a UTF-8 file as Windows-1252 unless it starts with a byte-order mark;
# the import reads either.
BOM = "\ufeff"


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: formula-like cells get a leading apostrophe."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_filename(market: Market) -> str:
    return f"{market.slug}-customers-{market_today(market).isoformat()}.csv"


def users_export_csv(market: Market) -> str:
    """The whole file; rows are read as plain tuples, a thousand at a time."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    region = market_region(market)
    rows = db.session.execute(
        select(
            Account.first_name,
            Account.last_name,
            Account.email,
            Account.phone,
            PickupLocation.name,
        )
        .outerjoin(PickupLocation, PickupLocation.id == Account.pickup_location_id)
        .where(Account.market_id == market.id)
        .order_by(Account.last_name, Account.first_name, Account.id)
        .execution_options(yield_per=1000)
    )
    for first_name, last_name, email, phone, pickup in rows:
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (first_name, last_name, email, display_phone(phone, region), pickup)
            ]
        )
    return buffer.getvalue()

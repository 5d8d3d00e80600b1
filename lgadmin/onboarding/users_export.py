"""The users export: the market's customers as CSV, in the import template's columns."""

import csv
import io

from sqlalchemy import select

from ..accounts.models import Account
from ..audit.service import record_export
from ..contact import display_phone, market_region
from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..spreadsheet import neutralise
from ..tenancy import of_market
from ..timeutil import market_today
from .csv_import import COLUMNS

# Excel reads a UTF-8 file as Windows-1252 unless it starts with a byte-order mark;
# the import reads either.
BOM = "\ufeff"


def export_filename(market: Market) -> str:
    return f"{market.slug}-customers-{market_today(market).isoformat()}.csv"


def users_export(actor, market: Market) -> str:
    """The users export of `market` for `actor`, with its audit entry. The caller commits."""
    text, rows = _users_csv(market)
    record_export(
        actor, market.id, "lgadmin_customers.export", "the users export", rows, format="csv"
    )
    return text


def _users_csv(market: Market) -> tuple[str, int]:
    """The whole file and its number of customers; rows are read as plain tuples, a thousand
    at a time."""
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
        .where(of_market(Account, market))
        .order_by(Account.last_name, Account.first_name, Account.id)
        .execution_options(yield_per=1000)
    )
    count = 0
    for first_name, last_name, email, phone, pickup in rows:
        count += 1
        writer.writerow(
            [
                neutralise(value)
                for value in (first_name, last_name, email, display_phone(phone, region), pickup)
            ]
        )
    return buffer.getvalue(), count

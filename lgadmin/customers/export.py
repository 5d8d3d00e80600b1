"""Customers as CSV or Excel, streamed in bounded memory.

The first five columns are the import template's ("first name", "last name", "email",
"phone", "pickup location"), so an export trimmed to them imports again; the rest follow.
Text that a spreadsheet would run as a formula is neutralised (lgadmin.spreadsheet), the same
in CSV and Excel.

Every customers file leaves through `customers_download`, which writes the export's audit
entry first: there is no way to stream the file without it.
"""

import csv
import io
import re
import tempfile
from datetime import date
from decimal import Decimal

import xlsxwriter
from flask import Response, send_file
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..accounts.models import Account
from ..audit.service import record_export
from ..catalog.models import GrowerProfile
from ..contact import display_phone, market_region
from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..spreadsheet import neutralise
from ..timeutil import market_today, to_market_time

IMPORT_COLUMNS = ("first name", "last name", "email", "phone", "pickup location")
EXTRA_COLUMNS = (
    "joined",
    "active",
    "balance",
    "total orders",
    "total spent",
    "last order",
    "member until",
    "manager",
    "volunteer",
    "wholesale",
    "grower",
    "receives mailings",
)
COLUMNS = IMPORT_COLUMNS + EXTRA_COLUMNS
EXPORT_FORMATS = ("csv", "xlsx")
YIELD_PER = 1000
FLUSH_ROWS = 500
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def customers_download(
    actor,
    market: Market,
    where,
    order,
    fmt: str,
    filename: str,
    *,
    what: str,
    selected: bool = False,
    **details,
) -> Response:
    """The customers `where` selects as a CSV or Excel attachment, with the one audit entry
    every download of personal data writes (who, `what`, how many rows; `details` added):
    "lgadmin_customers.export", or "customer.bulk_export_selected" for Export selected (`selected`).

    The entry is committed before the file streams, so it is kept even when the download is
    cut short; the rows are read in a session of their own.
    """
    rows = db.session.scalar(select(func.count()).select_from(Account).where(where))
    record_export(
        actor,
        market.id,
        "customer.bulk_export_selected" if selected else "lgadmin_customers.export",
        what,
        rows,
        format=fmt,
        **details,
    )
    db.session.commit()
    if fmt == "csv":
        return _csv_download(market, where, order, filename)
    return send_file(
        write_xlsx(db.session, market.timezone, where, order, phone_region=market_region(market)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )


def export_select(where, order):
    grower = exists().where(GrowerProfile.account_id == Account.id)
    return (
        select(
            Account.first_name,
            Account.last_name,
            Account.email,
            Account.phone,
            PickupLocation.name.label("pickup_name"),
            Account.joined_at,
            Account.active,
            Account.balance_cents,
            Account.order_count,
            Account.total_spent_cents,
            Account.last_order_at,
            Account.membership_expires_on,
            Account.is_manager,
            Account.is_volunteer,
            Account.is_wholesale,
            grower.label("is_grower"),
            Account.receives_mailings,
        )
        .select_from(Account)
        .outerjoin(PickupLocation, PickupLocation.id == Account.pickup_location_id)
        .where(where)
        .order_by(*order)
        .execution_options(yield_per=YIELD_PER)
    )


def export_rows(session, timezone: str, where, order, *, phone_region: str):
    """Each customer as a list of cell values: text neutralised, money as Decimal, phones
    as the details show them (in `phone_region`)."""
    today = market_today(timezone)

    def local_date(at):
        return to_market_time(at, timezone).date() if at is not None else None

    def yes(flag):
        return "yes" if flag else "no"

    for row in session.execute(export_select(where, order)):
        member_until = row.membership_expires_on
        yield [
            neutralise(row.first_name),
            neutralise(row.last_name),
            neutralise(row.email),
            neutralise(display_phone(row.phone, phone_region)),
            neutralise(row.pickup_name),
            local_date(row.joined_at),
            yes(row.active),
            Decimal(row.balance_cents) / 100,
            row.order_count,
            Decimal(row.total_spent_cents) / 100,
            local_date(row.last_order_at),
            member_until if member_until is not None and member_until >= today else None,
            yes(row.is_manager),
            yes(row.is_volunteer),
            yes(row.is_wholesale),
            yes(row.is_grower),
            yes(row.receives_mailings),
        ]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"  # a number we wrote, never a formula
    return str(value)


def csv_chunks(engine, timezone: str, where, order, *, phone_region: str):
    """The CSV in pieces of a few hundred rows, UTF-8 with a byte-order mark for Excel.

    The server iterates the body after the request's context is gone, so the rows are read
    through a session of its own on `engine` (no Flask context needed).
    """
    with Session(engine) as session:
        yield from _csv_chunks(session, timezone, where, order, phone_region=phone_region)


def _csv_download(market: Market, where, order, filename: str) -> Response:
    """The customers `where` selects, as a streamed CSV attachment."""
    return Response(
        csv_chunks(db.engine, market.timezone, where, order, phone_region=market_region(market)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_chunks(session, timezone: str, where, order, *, phone_region: str):
    yield from csv_pieces(export_rows(session, timezone, where, order, phone_region=phone_region))


def csv_pieces(rows):
    """The CSV of `rows` (export_rows) in pieces of a few hundred rows, as UTF-8 bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(value) for value in row])
        if n % FLUSH_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(session, timezone: str, where, order, *, phone_region: str):
    """An .xlsx in a temporary file, for a download of at most a page of rows."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after streaming)
    write_xlsx_rows(spool, export_rows(session, timezone, where, order, phone_region=phone_region))
    spool.seek(0)
    return spool


# XlsxWriter's constant-memory mode writes each row to disk as it goes (a million rows take
# no more memory than one); text is never read as a formula, link or number.
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def write_xlsx_rows(target, rows, *, tmpdir: str | None = None) -> None:
    """`rows` (export_rows) as an .xlsx written to `target`, a path or a binary file."""
    options = dict(XLSX_OPTIONS, tmpdir=tmpdir) if tmpdir else XLSX_OPTIONS
    workbook = xlsxwriter.Workbook(target, options)
    date_cell = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet("Customers")
    for column, name in enumerate(COLUMNS):
        sheet.write_string(0, column, name)
    for line, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                # control characters are not allowed in an .xlsx cell; they carry nothing anyway
                sheet.write_string(line, column, ILLEGAL_CHARACTERS_RE.sub("", value))
            elif isinstance(value, date):
                sheet.write_datetime(line, column, value, date_cell)
            else:
                sheet.write_number(line, column, value)
    workbook.close()


def export_filename(market: Market, segment, on: date, fmt: str) -> str:
    parts = ["customers", market.slug]
    if segment is not None:
        parts.append(_UNSAFE_NAME.sub("-", segment.name).strip("-")[:40] or f"segment-{segment.id}")
    return f"{'-'.join(parts)}-{on.isoformat()}.{fmt}"

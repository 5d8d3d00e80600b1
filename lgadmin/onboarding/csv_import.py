"""Upload a CSV: read the file, check every row into a preview kept in the database, import it once.

The preview creates and sends nothing. "Import" creates exactly the rows the
preview showed as Ready (less any address that got an account since), in one
transaction that also marks the preview imported, so a second press imports
nothing.
"""

import codecs
import csv
import io
import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import delete, update

from ..audit.service import record
from ..customers.models import Account
from ..extensions import db
from ..markets.models import Market
from ..timeutil import utcnow
from .models import ImportPreview, ImportStatus
from .service import AlreadyHasAccount, add_customer
from .values import (
    NAME_MAX,
    CustomerValues,
    clean_text,
    email_problem,
    existing_emails,
    market_pickup_location,
    market_region,
    normalize_email,
    parse_phone,
    pickup_locations_by_name,
)

# The import template's columns; the users export writes the same names.
COLUMNS = ("first name", "last name", "email", "phone", "pickup location")
REQUIRED_COLUMNS = ("first name", "last name", "email")
MAX_ROWS = 200
MAX_BYTES = 1_000_000
PREVIEWS_KEPT_FOR = timedelta(days=7)

ALIASES = {
    "firstname": "first name",
    "first": "first name",
    "given name": "first name",
    "lastname": "last name",
    "last": "last name",
    "surname": "last name",
    "family name": "last name",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "phone number": "phone",
    "telephone": "phone",
    "pickup": "pickup location",
    "pick up location": "pickup location",
}

NOT_CSV = (
    "That file is not a CSV. In your spreadsheet program, save or download the sheet "
    "as “CSV” and upload that file."
)
NO_HEADER = (
    "The first row must be a header row naming the columns: "
    + ", ".join(COLUMNS)
    + ". Download the blank template to see the layout."
)

# Reasons a row is skipped, in the order the preview lists them.
MISSING_NAME = "missing name"
NAME_TOO_LONG = f"name too long (at most {NAME_MAX} characters)"
INVALID_EMAIL = "invalid email"
MISSING_EMAIL = "missing email"
DUPLICATE = "duplicate within the file"
HAS_ACCOUNT = "already has an account"
UNKNOWN_PICKUP = "unrecognized pickup location"
INVALID_PHONE = "invalid phone number"


class CsvRefused(ValueError):
    """The file as a whole cannot be imported; the message says why, for the manager."""


def template_csv() -> str:
    return ",".join(COLUMNS) + "\r\n"


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with one,
    else Windows-1252."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff")):
        raise CsvRefused(NOT_CSV)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise CsvRefused(NOT_CSV) from None
    if b"\x00" in data:
        raise CsvRefused(NOT_CSV)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def column_name(cell: str) -> str:
    name = re.sub(r"[\s_\-.]+", " ", clean_text(cell).lower().lstrip("\ufeff")).strip()
    return ALIASES.get(name, name)


def _delimiter(text: str) -> str:
    """Comma, or the semicolon of European Excel, or a tab, judged on the header line."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """([(row number, {column: cell})], ignored column names), or CsvRefused."""
    if len(data) > MAX_BYTES:
        raise CsvRefused("The file is larger than 1 MB. Split it into smaller files.")
    if not data.strip():
        raise CsvRefused("The file is empty.")
    text = decode(data)
    if _looks_binary(text):
        raise CsvRefused(NOT_CSV)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        records = [(number, cells) for number, cells in enumerate(reader, start=1)]
    except csv.Error as error:
        raise CsvRefused(f"{NOT_CSV} ({error}.)") from None
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise CsvRefused("The file is empty.")
    _, header = records[0]
    names = [column_name(cell) for cell in header]
    known = [name for name in names if name in COLUMNS]
    if not any(name in REQUIRED_COLUMNS for name in known):
        raise CsvRefused(NO_HEADER)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise CsvRefused(
            "The header row has no "
            + " or ".join(f"“{name}”" for name in missing)
            + f" column. The columns are: {', '.join(COLUMNS)}."
        )
    rows = records[1:]
    if not rows:
        raise CsvRefused("The file has a header row but no customers under it.")
    if len(rows) > MAX_ROWS:
        raise CsvRefused(
            f"The file has {len(rows)} customer rows; at most {MAX_ROWS} can be imported "
            "at once. Split it into smaller files."
        )
    position = {}
    for index, name in enumerate(names):
        if name in COLUMNS:
            position.setdefault(name, index)
    ignored = [clean_text(cell) for cell, name in zip(header, names, strict=True)]
    ignored = [
        cell for cell, name in zip(ignored, names, strict=True) if cell and name not in COLUMNS
    ]
    return [
        (number, {name: cells[i] if i < len(cells) else "" for name, i in position.items()})
        for number, cells in rows
    ], ignored


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    odd = sum(1 for c in sample if ord(c) < 32 and c not in "\t\r\n")
    return odd > max(3, len(sample) // 100)


def check_rows(market: Market, records: list[tuple[int, dict]]) -> list[dict]:
    """Each record as a preview row: cleaned values and the reasons it would be skipped."""
    locations = pickup_locations_by_name(market)
    region = market_region(market)
    taken = existing_emails(market, (normalize_email(c.get("email")) for _, c in records))
    first_row_of: dict[str, int] = {}
    rows = []
    for number, cells in records:
        row = {
            "row": number,
            "first_name": clean_text(cells.get("first name")),
            "last_name": clean_text(cells.get("last name")),
            "email": normalize_email(cells.get("email")),
            "phone_as_written": clean_text(cells.get("phone")),
            "pickup_location": clean_text(cells.get("pickup location")),
            "pickup_location_id": None,
        }
        problems = []
        missing = [label for label in ("first name", "last name") if not row[_key(label)]]
        if missing:
            problems.append(f"{MISSING_NAME} (no {' or '.join(missing)})")
        elif max(len(row["first_name"]), len(row["last_name"])) > NAME_MAX:
            problems.append(NAME_TOO_LONG)
        problem = email_problem(row["email"])
        if problem:
            problems.append(MISSING_EMAIL if problem == MISSING_EMAIL else INVALID_EMAIL)
        elif row["email"] in first_row_of:
            problems.append(f"{DUPLICATE} (same email as row {first_row_of[row['email']]})")
        else:
            first_row_of[row["email"]] = number
        if not problem and row["email"] in taken:
            problems.append(HAS_ACCOUNT)
        if market.pickup_locations_enabled and row["pickup_location"]:
            location = locations.get(row["pickup_location"].lower())
            if location is None:
                problems.append(UNKNOWN_PICKUP)
            else:
                row["pickup_location_id"] = location.id
                row["pickup_location"] = location.name
        row["phone"], problem = parse_phone(row["phone_as_written"], region)
        if problem:
            problems.append(INVALID_PHONE)
        row["problems"] = problems
        rows.append(row)
    return rows


def _key(label: str) -> str:
    return label.replace(" ", "_")


def create_preview(manager: Account, market: Market, data: bytes, filename: str) -> ImportPreview:
    """Read and check the file; keep the preview in the database (commits). CsvRefused."""
    records, ignored = read_csv(data)
    rows = check_rows(market, records)
    notes = []
    if ignored:
        notes.append("These columns are not imported: " + ", ".join(ignored) + ".")
    if not market.pickup_locations_enabled and any(r["pickup_location"] for r in rows):
        notes.append(
            "This market doesn't use pickup locations, so the pickup location column is ignored."
        )
    db.session.execute(
        delete(ImportPreview).where(
            ImportPreview.market_id == market.id,
            ImportPreview.created_at < utcnow() - PREVIEWS_KEPT_FOR,
        )
    )
    preview = ImportPreview(
        market_id=market.id,
        created_by_id=manager.id,
        filename=clean_text(filename)[:255],
        rows=rows,
        notes=notes,
    )
    db.session.add(preview)
    db.session.commit()
    return preview


def preview_totals(preview: ImportPreview) -> dict:
    """Ready and skipped counts, and how many rows each reason skips."""
    reasons = Counter(problem.split(" (")[0] for row in preview.rows for problem in row["problems"])
    ready = sum(1 for row in preview.rows if not row["problems"])
    return {"ready": ready, "skipped": len(preview.rows) - ready, "reasons": reasons.most_common()}


def carry_out_import(manager: Account, market: Market, preview: ImportPreview) -> bool:
    """Create the preview's Ready rows, once. False when it was imported already.

    Claiming the preview (a conditional UPDATE of its status) and creating the
    accounts are one transaction: a concurrent second press waits for the
    first and then finds nothing left to claim.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(ImportPreview)
        .where(
            ImportPreview.id == preview.id,
            ImportPreview.market_id == market.id,
            ImportPreview.status == ImportStatus.PREVIEW,
        )
        .values(status=ImportStatus.IMPORTED, imported_at=now, imported_by_id=manager.id)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    created, skipped = [], []
    for row in preview.rows:
        if row["problems"]:
            continue
        values = CustomerValues(
            first_name=row["first_name"],
            last_name=row["last_name"],
            email=row["email"],
            phone=row["phone"],
        )
        if row["pickup_location_id"]:
            location = market_pickup_location(market, row["pickup_location_id"])
            if location is None:
                skipped.append(_skipped(row, UNKNOWN_PICKUP))
                continue
            values.pickup_location_id = location.id
        try:
            account = add_customer(manager, market, values, source="csv_import")
        except AlreadyHasAccount:
            skipped.append(_skipped(row, HAS_ACCOUNT))
            continue
        created.append((row, account))
    db.session.flush()
    preview.result = {
        "created": [
            {"row": row["row"], "email": account.email, "account_id": account.id}
            for row, account in created
        ],
        "skipped": skipped,
    }
    record(
        manager,
        market.id,
        "customers.import",
        preview,
        f"Imported {len(created)} customers from {preview.filename or 'a CSV file'}",
        created=len(created),
        skipped_since_preview=len(skipped),
    )
    db.session.commit()
    return True


def _skipped(row: dict, reason: str) -> dict:
    return {"row": row["row"], "email": row["email"], "reason": reason}

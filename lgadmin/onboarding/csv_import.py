"""Upload a CSV or an Excel workbook: read the file, check every row into a preview kept in the
database, import it once.

The preview creates and sends nothing. "Import" creates exactly the rows the
preview showed as Ready (less any address that got an account since), in one
transaction that also marks the preview imported, so a second press imports
nothing.
"""

import codecs
import csv
import io
import re
import zipfile
from collections import Counter
from datetime import date, datetime, time, timedelta

import olefile
from openpyxl import load_workbook
from sqlalchemy import delete, update

from ..accounts.models import Account
from ..audit.service import record
from ..contact import (
    InvalidPhone,
    email_problem,
    market_region,
    normalize_email,
    parse_phone,
)
from ..extensions import db
from ..markets.models import Market
from ..tenancy import of_market
from ..timeutil import utcnow
from .models import ImportPreview, ImportStatus
from .service import AlreadyHasAccount, add_customer
from .values import (
    NAME_MAX,
    CustomerValues,
    clean_text,
    existing_emails,
    market_pickup_location,
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
    "That file is not a CSV or an Excel workbook (.xlsx). In your spreadsheet program, save or "
    "download the sheet as “CSV” or “Excel Workbook (.xlsx)” and upload that file."
)
NOT_A_WORKBOOK = (
    "That .xlsx file can't be read as a spreadsheet: it is damaged, or another kind of file "
    "with an .xlsx name. Open it in your spreadsheet program, save it again as “Excel Workbook "
    "(.xlsx)” or “CSV”, and upload that file."
)
PASSWORD_PROTECTED = (
    "That workbook is password-protected, so it can't be read. In your spreadsheet program, "
    "save a copy without the password and upload that file."
)
# What the parts of a 200-row workbook could unpack to, with room for styles and pictures;
# a 1 MB upload that unpacks to more is a zip bomb, not a customer list.
MAX_UNPACKED_BYTES = 50_000_000
# A sheet is read this far and this wide at most, so a small file of endless empty-but-formatted
# cells can't keep a worker busy; the columns are 5, an export has 17.
MAX_SHEET_ROWS = 20_000
MAX_SHEET_COLUMNS = 100
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
NO_HEADER = (
    "The first row must be a header row naming the columns: "
    + ", ".join(COLUMNS)
    + ". Download the blank template to see the layout."
)

# Reasons a row is skipped, in the order the preview lists them.
MISSING_NAME = "missing name"
NAME_TOO_LONG = f"name too long (at most {NAME_MAX} characters)"
# An address is refused in contact's words (contact.MISSING_EMAIL, EMAIL_HAS_SPACE,
# INVALID_EMAIL), said the same on the forms.
DUPLICATE = "duplicate within the file"
HAS_ACCOUNT = "already has an account"
UNKNOWN_PICKUP = "unrecognized pickup location"
# Not a reason to skip: the row is imported without the phone (spec 000 names the reasons).
PHONE_LEFT_EMPTY = "phone not recognised: left empty"


class CsvRefused(ValueError):
    """The file as a whole cannot be imported; the message says why, for the manager."""


def template_csv() -> str:
    return ",".join(COLUMNS) + "\r\n"


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), UTF-16 with one,
    else Windows-1252."""
    if data.startswith((ZIP_MAGIC, OLE_MAGIC[:4], b"%PDF", b"\x89PNG", b"\xff\xd8\xff")):
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


def read_upload(data: bytes, filename: str) -> tuple[list[tuple[int, dict]], list[str]]:
    """An uploaded file's rows, as read_csv gives them, from a CSV or an Excel workbook.

    The kind is told by the file's first bytes (a workbook is a zip archive, a
    password-protected one an OLE compound file), so a workbook saved with a
    .csv name is still read; a file named .xlsx that is neither is refused.
    """
    _check_size(data)
    named_workbook = clean_text(filename).lower().endswith(WORKBOOK_SUFFIXES)
    if data.startswith(ZIP_MAGIC):
        try:
            return read_xlsx(data)
        except CsvRefused as refused:
            # Another zipped kind (a .docx, an .ods) under its own name is "not a CSV or .xlsx".
            if str(refused) == NOT_A_WORKBOOK and not named_workbook:
                raise CsvRefused(NOT_CSV) from None
            raise
    if data.startswith(OLE_MAGIC):
        raise CsvRefused(PASSWORD_PROTECTED if _is_encrypted_office_file(data) else NOT_CSV)
    if named_workbook:
        raise CsvRefused(NOT_A_WORKBOOK)
    return read_csv(data)


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise CsvRefused("The file is larger than 1 MB. Split it into smaller files.")
    if not data.strip():
        raise CsvRefused("The file is empty.")


def _is_encrypted_office_file(data: bytes) -> bool:
    """Office keeps a password-protected workbook as an OLE file with an EncryptedPackage stream
    (an .xls, also OLE, has none)."""
    try:
        # A file object: olefile takes short bytes for a file name.
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            return ole.exists("EncryptedPackage")
    except Exception:  # a damaged OLE file is not one we can read either way
        return False


def read_xlsx(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """The first sheet's rows (the header is its first non-empty row), or CsvRefused."""
    _check_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise CsvRefused(NOT_A_WORKBOOK) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise CsvRefused(
            "That workbook is too large to read. Copy the customer rows into a new workbook, "
            "or save them as CSV, and upload that file."
        )
    records = []
    try:
        # data_only: a formula cell gives the value the spreadsheet showed, not its formula.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                raise CsvRefused(NOT_A_WORKBOOK)
            sheet = workbook.worksheets[0]
            # The stored dimensions can be stale; without them every row is read whole.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True)
            for number, values in enumerate(rows, start=1):
                if number > MAX_SHEET_ROWS:
                    raise CsvRefused(
                        f"The sheet goes on past row {MAX_SHEET_ROWS:,}. Keep the customers (at "
                        f"most {MAX_ROWS}) at the top of the first sheet, or save them as CSV, "
                        "and upload that file."
                    )
                cells = [_cell_text(value) for value in values]
                if any(cell.strip() for cell in cells):
                    records.append((number, cells))
                    if len(records) > MAX_ROWS + 1:  # the header and more rows than allowed
                        break
        finally:
            workbook.close()
    except CsvRefused:
        raise
    except Exception:  # whatever openpyxl fails on in an uploaded file, it is unreadable
        raise CsvRefused(NOT_A_WORKBOOK) from None
    if len(records) > MAX_ROWS + 1:
        raise CsvRefused(
            f"The sheet has more than {MAX_ROWS} customer rows; at most {MAX_ROWS} can be "
            "imported at once. Split it into smaller files."
        )
    return _records(records)


def _cell_text(value) -> str:
    """A cell's value as the sheet shows it: 7065431234, not 7065431234.0; dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def read_csv(data: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """([(row number, {column: cell})], ignored column names), or CsvRefused."""
    _check_size(data)
    text = decode(data)
    if _looks_binary(text):
        raise CsvRefused(NOT_CSV)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=False)
    try:
        records = [(number, cells) for number, cells in enumerate(reader, start=1)]
    except csv.Error as error:
        raise CsvRefused(f"{NOT_CSV} ({error}.)") from None
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    return _records(records)


def _records(records: list[tuple[int, list[str]]]) -> tuple[list[tuple[int, dict]], list[str]]:
    """The non-empty rows of a file, the first one its header, as read_csv gives them."""
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
    """Each record as a preview row: cleaned values, the reasons it would be skipped
    (`problems`) and what was changed to import it (`notes`, by column)."""
    locations = pickup_locations_by_name(market)
    region = market_region(market)
    taken = existing_emails(market, (normalize_email(c.get("email")) for _, c in records))
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
            "notes": {},
        }
        problems = []
        missing = [label for label in ("first name", "last name") if not row[_key(label)]]
        if missing:
            problems.append(f"{MISSING_NAME} (no {' or '.join(missing)})")
        elif max(len(row["first_name"]), len(row["last_name"])) > NAME_MAX:
            problems.append(NAME_TOO_LONG)
        problem = email_problem(row["email"])
        if problem:
            problems.append(problem)
        elif row["email"] in taken:
            problems.append(HAS_ACCOUNT)
        if market.pickup_locations_enabled and row["pickup_location"]:
            location = locations.get(row["pickup_location"].lower())
            if location is None:
                problems.append(UNKNOWN_PICKUP)
            else:
                row["pickup_location_id"] = location.id
                row["pickup_location"] = location.name
        try:
            row["phone"] = parse_phone(row["phone_as_written"], region)
        except InvalidPhone:
            row["phone"] = ""
            row["notes"]["phone"] = PHONE_LEFT_EMPTY
        row["problems"] = problems
        rows.append(row)
    _mark_duplicates(rows)
    return rows


def _mark_duplicates(rows: list[dict]) -> None:
    """A second row with the address of an earlier row that will be imported is skipped.

    Only rows that would be imported count: a skipped row (a missing name, say)
    never makes the good row after it a duplicate, so no good row is lost.
    """
    first_ready_row_of: dict[str, int] = {}
    for row in rows:
        if row["problems"]:
            continue
        first = first_ready_row_of.setdefault(row["email"], row["row"])
        if first != row["row"]:
            row["problems"].append(f"{DUPLICATE} (same email as row {first})")


def _key(label: str) -> str:
    return label.replace(" ", "_")


def create_preview(manager: Account, market: Market, data: bytes, filename: str) -> ImportPreview:
    """Read and check the file; keep the preview in the database (commits). CsvRefused."""
    records, ignored = read_upload(data, filename)
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
            of_market(ImportPreview, market),
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
    phones_left_empty = sum(
        1 for row in preview.rows if not row["problems"] and row.get("notes", {}).get("phone")
    )
    return {
        "ready": ready,
        "skipped": len(preview.rows) - ready,
        "reasons": reasons.most_common(),
        "phones_left_empty": phones_left_empty,
    }


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
            of_market(ImportPreview, market),
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
        f"Imported {len(created)} customers from {preview.filename or 'a file'}",
        created=len(created),
        skipped_since_preview=len(skipped),
    )
    db.session.commit()
    return True


def _skipped(row: dict, reason: str) -> dict:
    return {"row": row["row"], "email": row["email"], "reason": reason}

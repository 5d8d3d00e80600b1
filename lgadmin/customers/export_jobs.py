"""Exports larger than a grid page: a job that writes the file, a page to come back to.

A request names what to export (the grid's search, toggles, criteria or segment, and sort; or
the selected ids) and gets a `CustomerExport` row; the job (rq, or inline on the embedded
default) reads the rows in one snapshot and writes them to a temporary name under
LGADMIN_EXPORT_DIR, renamed only when complete. So a file that can be downloaded is always
whole, and its row count (recorded with the status) is the rows the grid counts.

A failure says so on the export's page and keeps no file. An export whose worker died
(queued or running, no heartbeat for LGADMIN_EXPORT_STALE_MINUTES) is marked failed the
next time anyone looks, never left running. Files are kept LGADMIN_EXPORT_KEEP_HOURS, then
deleted (by the next export's job, or `flask lgadmin remove-expired-exports`).
"""

import contextlib
import hashlib
import json
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..accounts.models import Account
from ..audit.service import record, record_export
from ..contact import market_region
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..markets.models import Market
from ..search import search_words
from ..segments.criteria import parse_criteria
from ..segments.grid import customer_filter, sort_orders
from ..tenancy import get_in_market, of_market, select_in_market
from ..timeutil import epoch_seconds, utcnow
from .export import csv_pieces, export_rows, write_xlsx_rows
from .models import UNFINISHED, CustomerExport, ExportStatus

GRID, SELECTED = "grid", "selected"
# The heartbeat: progress and updated_at written every this many rows, or this many seconds.
HEARTBEAT_ROWS = 5000
HEARTBEAT_SECONDS = 2.0
PART = ".part"
JOB_TIMEOUT_SECONDS = 3600


class ExportGone(LookupError):
    """The export's file is no longer there to download (expired, failed or never written)."""


# -- what to export ---------------------------------------------------------------------------


def grid_params(
    *,
    search: str | None,
    active_only: bool,
    customer_type: str | None,
    verified: str | None,
    criteria: dict,
    sort: str | None,
    descending: bool,
    segment_id: int | None = None,
) -> dict:
    """The grid's view as the job reads it again: the criteria as their raw text (a segment's
    as they were when the export was asked for)."""
    return {
        "search": search or "",
        "active_only": bool(active_only),
        "customer_type": customer_type,
        "verified": verified,
        "criteria": dict(criteria),
        "sort": sort,
        "descending": bool(descending),
        "segment_id": segment_id,
    }


def selected_params(ids: list[int]) -> dict:
    return {"ids": sorted(int(i) for i in ids)}


def export_query(market: Market, kind: str, params: dict):
    """(where, order) of the customers an export of `kind` with `params` holds."""
    if kind == SELECTED:
        chosen = select_in_market(Account, market, Account.id).where(Account.id.in_(params["ids"]))
        return Account.id.in_(chosen), sort_orders(None)[0]
    criteria = parse_criteria(params.get("criteria") or {})
    where = customer_filter(
        market,
        search_words(params.get("search")),
        params.get("active_only", False),
        criteria.values if criteria.is_valid else {},
        customer_type=params.get("customer_type"),
        verified=params.get("verified"),
    )
    ascending, descending = sort_orders(params.get("sort"))
    return where, descending if params.get("descending") else ascending


def fits_one_page(where) -> bool:
    """Whether the rows `where` selects are few enough for an immediate download (counted
    no further than that, so asking costs nothing for a million rows)."""
    limit = current_app.config["LGADMIN_EXPORT_IMMEDIATE_ROWS"]
    capped = select(Account.id).where(where).limit(limit + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(capped)) <= limit


# -- asking for one ---------------------------------------------------------------------------


def start_export(
    actor,
    market: Market,
    *,
    kind: str,
    fmt: str,
    what: str,
    filename: str,
    params: dict,
    audit: dict,
) -> tuple[CustomerExport, bool]:
    """The export job for this request: (export, started). A request the same person made
    that is still queued or running is returned instead of a second job (started False).

    The job is enqueued when the caller commits (run inline then, without Redis)."""
    fail_stale_exports(market)
    fingerprint = _fingerprint(kind, fmt, params)
    running = _unfinished(actor, fingerprint)
    if running is not None:
        return running, False
    export = CustomerExport(
        market_id=market.id,
        requested_by_id=actor.id,
        kind=kind,
        format=fmt,
        what=what[:300],
        filename=filename[:200],
        params={**params, "audit": audit},
        fingerprint=fingerprint,
    )
    try:
        with db.session.begin_nested():
            db.session.add(export)
    except IntegrityError:  # the same request, a moment earlier, in another process
        running = _unfinished(actor, fingerprint)
        if running is not None:
            return running, False
        raise
    # Not retried: a failure is shown and the manager starts again. A million rows take
    # minutes, more than rq's default 180 s.
    enqueue_after_commit(run_export, export.id, retries=0, timeout=JOB_TIMEOUT_SECONDS)
    return export, True


def _fingerprint(kind: str, fmt: str, params: dict) -> str:
    text = json.dumps({"kind": kind, "format": fmt, "params": params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _unfinished(actor, fingerprint: str) -> CustomerExport | None:
    return db.session.scalar(
        select(CustomerExport).where(
            CustomerExport.requested_by_id == actor.id,
            CustomerExport.fingerprint == fingerprint,
            CustomerExport.status.in_(UNFINISHED),
        )
    )


def market_export(market: Market, export_id) -> CustomerExport:
    """The export `export_id` of `market` (NotInMarket otherwise), its status brought up to
    date: a worker that stopped reporting makes it failed, a file past its time expired."""
    export = get_in_market(CustomerExport, export_id, market)
    fail_stale_exports(market)
    remove_expired_exports()
    db.session.refresh(export)
    return export


def recent_exports(market: Market, limit: int = 20) -> list[CustomerExport]:
    """The market's exports of the last keep period, newest first."""
    since = utcnow() - timedelta(hours=current_app.config["LGADMIN_EXPORT_KEEP_HOURS"])
    return list(
        db.session.scalars(
            select_in_market(CustomerExport, market)
            .where(CustomerExport.created_at >= since)
            .order_by(CustomerExport.id.desc())
            .limit(limit)
        )
    )


def export_file(actor, export: CustomerExport) -> Path:
    """The path of a finished export's file, with the download's audit entry (the caller
    commits); ExportGone when there is no whole file to give."""
    path = _path(export.stored_name) if export.stored_name else None
    if export.status != ExportStatus.DONE or path is None or not path.is_file():
        raise ExportGone(export.id)
    record(
        actor,
        export.market_id,
        "lgadmin_customers.export_downloaded",
        summary=f"Downloaded the export of {export.what}: {export.row_count:,} rows",
        export_id=export.id,
        filename=export.filename,
        format=export.format,
    )
    return path


# -- the job ----------------------------------------------------------------------------------


def run_export(export_id: int) -> None:
    """Write export `export_id`'s file (the rq job). Anything but queued is left alone: the
    export was done already, or marked failed while it waited."""
    remove_expired_exports()
    claimed = db.session.execute(
        update(CustomerExport)
        .where(CustomerExport.id == export_id, CustomerExport.status == ExportStatus.QUEUED)
        .values(status=ExportStatus.RUNNING, updated_at=utcnow())
    ).rowcount
    db.session.commit()
    if not claimed:
        return
    export = db.session.get(CustomerExport, export_id)
    market = db.session.get(Market, export.market_id)
    directory = Path(current_app.config["LGADMIN_EXPORT_DIR"])
    stored_name = f"{export.id}-{secrets.token_hex(8)}.{export.format}"
    part = directory / (stored_name + PART)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        rows = _write(export, market, part)
        os.replace(part, directory / stored_name)  # whole, or not there at all
    except Exception as error:
        db.session.rollback()
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)  # never a partial file left as if it were the export
        current_app.logger.exception("lgadmin: export %s failed", export_id)
        _finish_failed(
            export_id,
            f"The export failed before it was complete ({type(error).__name__}); no file was "
            "delivered. Start the export again, or ask support if it fails again.",
        )
        return
    if not _finish_done(export, rows, stored_name):
        (directory / stored_name).unlink(missing_ok=True)


def _write(export: CustomerExport, market: Market, part: Path) -> int:
    """The rows into `part`; returns how many. Count and rows come from one snapshot."""
    where, order = export_query(market, export.kind, export.params)
    region = market_region(market)
    with _snapshot() as (reader, heartbeat_while_reading):
        total = reader.scalar(select(func.count()).select_from(Account).where(where))
        _beat(export.id, 0, total)
        written = 0
        last_beat = time.monotonic()

        def counted(rows):
            nonlocal written, last_beat
            for row in rows:
                written += 1
                yield row
                if heartbeat_while_reading and (
                    written % HEARTBEAT_ROWS == 0
                    or time.monotonic() - last_beat > HEARTBEAT_SECONDS
                ):
                    _beat(export.id, written, total)
                    last_beat = time.monotonic()

        rows = counted(export_rows(reader, market.timezone, where, order, phone_region=region))
        if export.format == "csv":
            with open(part, "wb") as out:
                for piece in csv_pieces(rows):
                    out.write(piece)
        else:
            write_xlsx_rows(str(part), rows, tmpdir=str(part.parent))
    return written


class _snapshot:
    """A read-only session whose statements all see one moment of the database (REPEATABLE
    READ on PostgreSQL), and whether the job may write its heartbeat while it reads: SQLite
    can't commit a write while a read is open, so there the heartbeat waits for the end."""

    def __enter__(self):
        engine = db.engine
        self.connection = engine.connect()
        concurrent_writes = engine.dialect.name != "sqlite"
        if concurrent_writes:
            self.connection = self.connection.execution_options(isolation_level="REPEATABLE READ")
        self.session = Session(bind=self.connection)
        return self.session, concurrent_writes

    def __exit__(self, *exc):
        self.session.close()
        self.connection.close()
        return False


def _beat(export_id: int, written: int, total: int | None) -> None:
    db.session.execute(
        update(CustomerExport)
        .where(CustomerExport.id == export_id)
        .values(row_count=written, total_rows=total, updated_at=utcnow())
    )
    db.session.commit()


def _finish_done(export: CustomerExport, rows: int, stored_name: str) -> bool:
    """Mark the export done, with its audit entry; False when it was marked failed meanwhile
    (its worker thought dead), so the file is dropped rather than half-owned."""
    now = utcnow()
    done = db.session.execute(
        update(CustomerExport)
        .where(CustomerExport.id == export.id, CustomerExport.status == ExportStatus.RUNNING)
        .values(
            status=ExportStatus.DONE,
            row_count=rows,
            total_rows=rows,
            stored_name=stored_name,
            updated_at=now,
            finished_at=now,
            expires_at=now + timedelta(hours=current_app.config["LGADMIN_EXPORT_KEEP_HOURS"]),
        )
    ).rowcount
    if done:
        record_export(
            export.requested_by,
            export.market_id,
            "customer.bulk_export_selected"
            if export.kind == SELECTED
            else "lgadmin_customers.export",
            export.what,
            rows,
            format=export.format,
            export_id=export.id,
            **export.params.get("audit", {}),
        )
    db.session.commit()
    return bool(done)


def _finish_failed(export_id: int, message: str) -> None:
    now = utcnow()
    db.session.execute(
        update(CustomerExport)
        .where(CustomerExport.id == export_id, CustomerExport.status.in_(UNFINISHED))
        .values(status=ExportStatus.FAILED, error=message[:500], updated_at=now, finished_at=now)
    )
    db.session.commit()


# -- keeping things tidy ----------------------------------------------------------------------


def fail_stale_exports(market: Market | None = None) -> int:
    """Mark failed the exports (of `market`, or all) queued or running with no heartbeat for
    LGADMIN_EXPORT_STALE_MINUTES: their worker died. Returns how many."""
    minutes = current_app.config["LGADMIN_EXPORT_STALE_MINUTES"]
    now = utcnow()
    stale = update(CustomerExport).where(
        CustomerExport.status.in_(UNFINISHED),
        CustomerExport.updated_at < now - timedelta(minutes=minutes),
    )
    if market is not None:
        stale = stale.where(of_market(CustomerExport, market))
    count = db.session.execute(
        stale.values(
            status=ExportStatus.FAILED,
            error=(
                f"The export stopped: its worker gave no sign of life for {minutes} minutes. "
                "No file was delivered; start the export again."
            ),
            finished_at=now,
            updated_at=now,
        )
    ).rowcount
    db.session.commit()
    return count


def remove_expired_exports() -> int:
    """Delete the files past their keep time (and their leftovers); returns how many."""
    now = utcnow()
    expired = list(
        db.session.scalars(
            select(CustomerExport).where(
                CustomerExport.status == ExportStatus.DONE, CustomerExport.expires_at < now
            )
        )
    )
    for export in expired:
        if export.stored_name:
            _path(export.stored_name).unlink(missing_ok=True)
        export.status = ExportStatus.EXPIRED
        export.stored_name = ""
        export.updated_at = now
    db.session.commit()
    _remove_leftover_parts()
    return len(expired)


def _remove_leftover_parts() -> None:
    """Half-written files of jobs that died, once older than the keep time."""
    directory = Path(current_app.config["LGADMIN_EXPORT_DIR"])
    if not directory.is_dir():
        return
    cutoff = epoch_seconds() - current_app.config["LGADMIN_EXPORT_KEEP_HOURS"] * 3600
    for part in directory.glob(f"*{PART}"):
        if part.stat().st_mtime < cutoff:
            part.unlink(missing_ok=True)


def _path(stored_name: str) -> Path:
    return Path(current_app.config["LGADMIN_EXPORT_DIR"]) / Path(stored_name).name

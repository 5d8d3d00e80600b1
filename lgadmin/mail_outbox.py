"""The mail outbox: every email is first a row, written in the transaction of the change it
tells about, and handed to the job queue only after that transaction commits.

A row names the job that renders and sends its mail (e.g. onboarding.emails.send_welcome_email)
and the job's arguments. It is marked sent only after the job's send succeeded; a temporary
refusal (SMTP 4xx, a timeout, a dropped connection) puts it back with a back-off, a permanent
one (5xx) fails it with its reason, and a row that keeps failing stops after MAX_ATTEMPTS,
visible on the Outbox screen, where a superuser can try it again.

Redis holds no only copy: a row that no worker took (Redis was down or lost its data), or
whose worker died, is handed over again by the sweeper (sweep_outbox: a scheduled job, and
`flask lgadmin send-outbox` for cron, which sends directly when the queue is unreachable).
Each row's messages carry a Message-ID made from the row's seed, so a mail sent again after a
crash between its send and its row's update is recognisable as the same mail.
"""

import enum
import secrets
import smtplib
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import JSON, Index, String, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db, enum_column
from .jobs import BULK, MAIL, call_after_commit, queue, run_in_app
from .mail import failure_reason, is_temporary_failure, stable_message_ids
from .timeutil import utcnow

# Waits before attempts 2, 3, ...: a server busy for a few minutes or an hour is waited out.
BACK_OFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
MAX_ATTEMPTS = len(BACK_OFF) + 1
# A row handed to the queue but not taken within this long, or taken by a worker that has
# not been heard of for this long, is handed over again by the sweeper.
UNTAKEN_AFTER = timedelta(seconds=60)
# The sweep runs as a job every SWEEP_EVERY while mail is being handed over (a worker with
# its scheduler: `rq worker --with-scheduler`); cron's `flask lgadmin send-outbox` backs it up.
SWEEP_EVERY = timedelta(seconds=60)
SWEEP_KEY = "lgadmin:mail-outbox:sweep-scheduled"


RETRYING = "Refused for now, retrying: "


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a worker (or for its back-off to pass)
    SENDING = "sending"  # a worker has it
    SENT = "sent"
    SKIPPED = "skipped"  # the job found nothing to send (e.g. a password set meanwhile)
    FAILED = "failed"  # permanently refused, or out of attempts: a superuser may retry


class OutboxMail(db.Model):
    """One email (or one campaign batch) to send: the job that sends it, and how that went."""

    __tablename__ = "lgadmin_mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(200))  # "module:function"
    args: Mapped[list] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(60), default="")  # for people: "Welcome email"
    recipient: Mapped[str] = mapped_column(String(254), default="")
    market_id: Mapped[int | None]
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_at: Mapped[datetime | None]  # last given to the queue
    claimed_at: Mapped[datetime | None]  # taken (or last heard of) by a worker
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # Makes the Message-ID of every message this row sends, the same on each attempt.
    message_seed: Mapped[str] = mapped_column(String(40), default=lambda: secrets.token_hex(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_lgadmin_mail_outbox_status_next", "status", "next_attempt_at"),)


# Outbox kinds that go to the bulk queue (lgadmin.jobs), behind single mails.
CAMPAIGN_BATCH = "Campaign batch"
BULK_KINDS = (CAMPAIGN_BATCH,)


def add_mail(send, *args, kind: str = "", recipient: str = "", market_id=None) -> OutboxMail:
    """An outbox row for the mail `send(*args)` sends, in the caller's transaction; it is
    handed to the queue once that commits (and forgotten if it rolls back)."""
    (row,) = add_mails(send, [args], kind=kind, recipient=recipient, market_id=market_id)
    return row


def add_mails(send, arg_lists, *, kind: str = "", recipient: str = "", market_id=None):
    """add_mail for each argument tuple: one row each, handed over together."""
    rows = [
        OutboxMail(
            job=f"{send.__module__}:{send.__qualname__}",
            args=list(args),
            kind=kind or send.__name__.replace("_", " "),
            recipient=str(recipient or "")[:254],
            market_id=market_id,
        )
        for args in arg_lists
    ]
    if not rows:
        return rows
    db.session.add_all(rows)
    db.session.flush()
    call_after_commit(hand_over, [row.id for row in rows])
    return rows


@dataclass
class MailOutcome:
    """What became of the messages a request queued, for telling the manager."""

    unsent: list[str] = field(default_factory=list)  # why each message sent now failed for good
    retrying: list[str] = field(default_factory=list)  # refused for now: tried again later
    waiting: bool = False  # the queue was unreachable: the mail waits in the outbox


def queue_job(send, *args, **row) -> MailOutcome:
    """Queue one message: an outbox row, committed (with whatever the caller has pending)."""
    return queue_jobs(send, [args], **row)


def queue_jobs(send, arg_lists, **row) -> MailOutcome:
    """One outbox row per message, so one failing address never holds up the others.

    Commits. Without a queue (REDIS_URL unset) they are sent at once, and the outcome says
    which failed; with the queue unreachable they wait in the outbox."""
    ids = [mail.id for mail in add_mails(send, arg_lists, **row)]
    db.session.commit()
    outcome = MailOutcome()
    for mail in db.session.scalars(
        select(OutboxMail).where(OutboxMail.id.in_(ids)).execution_options(populate_existing=True)
    ):
        if mail.status is OutboxStatus.FAILED:
            outcome.unsent.append(mail.last_error)
        elif mail.status is OutboxStatus.PENDING and mail.attempts:
            outcome.retrying.append(mail.last_error.removeprefix(RETRYING))
        elif mail.status is OutboxStatus.PENDING and mail.handed_at is None:
            outcome.waiting = True  # the queue could not be reached: it waits for the sweeper
    return outcome


def hand_over(ids: list[int]) -> None:
    """Give rows to the queue; without one, send them now. Never raises and never blocks on
    a queue that is down: the rows wait for the sweeper."""
    q = queue(MAIL)
    if q is None:
        deliver(ids)
        return
    # A campaign's batches wait behind a password reset, not before it (jobs: by urgency).
    bulk = set(
        db.session.scalars(
            select(OutboxMail.id).where(OutboxMail.id.in_(ids), OutboxMail.kind.in_(BULK_KINDS))
        )
    )
    try:  # one job per row, so one slow or failing mail never holds up the others
        for target, chosen in ((q, [i for i in ids if i not in bulk]), (queue(BULK), sorted(bulk))):
            if chosen:
                target.enqueue_many(
                    [
                        target.prepare_data(run_in_app, (f"{__name__}:deliver", ([i],), {}))
                        for i in chosen
                    ]
                )
    except RedisError as error:
        current_app.logger.warning(
            "lgadmin: the job queue is unreachable (%s); %d mail(s) wait in the outbox",
            error,
            len(ids),
        )
        return
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(ids), OutboxMail.status == OutboxStatus.PENDING)
        .values(handed_at=utcnow())
    )
    db.session.commit()
    _schedule_sweep(q)


def _schedule_sweep(q) -> None:
    """One sweep job waiting at a time: the key lives a little longer than the wait."""
    try:
        ttl = int(SWEEP_EVERY.total_seconds() * 2)
        if q.connection.set(SWEEP_KEY, "1", nx=True, ex=ttl):
            q.enqueue_in(SWEEP_EVERY, run_in_app, f"{__name__}:scheduled_sweep", (), {})
    except RedisError:
        pass  # the cron sweep still runs


def scheduled_sweep() -> int:
    """Job: sweep, and come back in a minute while anything is left to send."""
    q = queue(MAIL)
    if q is not None:
        q.connection.delete(SWEEP_KEY)
    found = sweep_outbox()
    left = db.session.scalar(
        select(OutboxMail.id).where(
            OutboxMail.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
        )
    )
    if left and q is not None:
        _schedule_sweep(q)
    return found


def deliver(ids: list[int]) -> int:
    """Job: send the rows `ids` that are still due; returns how many were sent."""
    return sum(deliver_one(row_id) for row_id in ids)


def _claim(row_id: int, now: datetime) -> bool:
    """Take the row for this worker, unless another has it or it is done or not yet due."""
    taken = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == row_id,
            OutboxMail.status == OutboxStatus.PENDING,
            OutboxMail.next_attempt_at <= now,
        )
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            attempts=OutboxMail.attempts + 1,
        )
    ).rowcount
    db.session.commit()
    return bool(taken)


@dataclass
class _Sending:
    row_id: int
    last_attempt: bool


# The row being sent in this thread or task (web servers may send inline in several at once).
_current: ContextVar[_Sending | None] = ContextVar("lgadmin_outbox_current", default=None)


def last_attempt() -> bool:
    """Whether the row being sent now has no retry left (a job with no row: True)."""
    current = _current.get()
    return current is None or current.last_attempt


def still_working() -> None:
    """A long job (a campaign batch) tells the sweeper its worker is alive."""
    current = _current.get()
    if current is not None:
        db.session.execute(
            update(OutboxMail).where(OutboxMail.id == current.row_id).values(claimed_at=utcnow())
        )


def deliver_one(row_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if not _claim(row_id, now):
        return False
    row = db.session.get(OutboxMail, row_id)
    sending = _current.set(_Sending(row_id, row.attempts >= MAX_ATTEMPTS))
    try:
        with stable_message_ids(row.message_seed):
            went = run_in_app(row.job, tuple(row.args), {})
    except Exception as error:  # recorded on the row: retried, or failed with its reason
        db.session.rollback()
        _record_failure(row_id, error)
        return False
    finally:
        _current.reset(sending)
    row = db.session.get(OutboxMail, row_id)  # committed with what the job left pending
    row.status = OutboxStatus.SENT if went is not False else OutboxStatus.SKIPPED
    row.sent_at, row.last_error = utcnow(), ""
    db.session.commit()
    return row.status is OutboxStatus.SENT


def _record_failure(row_id: int, error: Exception) -> None:
    row = db.session.get(OutboxMail, row_id)
    reason = failure_reason(error)
    permanent = not is_temporary_failure(error) and _is_refusal(error)
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        row.last_error = (
            reason if permanent else f"Gave up after {row.attempts} attempts: {reason}"
        )[:500]
        current_app.logger.error("lgadmin: mail %s (%s) failed: %s", row.id, row.job, error)
    else:
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = utcnow() + BACK_OFF[min(row.attempts, len(BACK_OFF)) - 1]
        row.handed_at = None
        row.last_error = f"{RETRYING}{reason}"[:500]
        current_app.logger.warning("lgadmin: mail %s will be retried: %s", row.id, error)
    db.session.commit()


def _is_refusal(error: Exception) -> bool:
    """A mail server's answer (5xx: permanent). Anything else (a bug, a database hiccup) is
    retried like a temporary failure, until the attempts run out."""
    return isinstance(error, smtplib.SMTPException)


def due_rows(now: datetime | None = None) -> list[int]:
    """Rows the sweeper hands over: due and not taken in time, or held by a silent worker."""
    now = now or utcnow()
    stale = now - UNTAKEN_AFTER
    return list(
        db.session.scalars(
            select(OutboxMail.id)
            .where(
                or_(
                    (OutboxMail.status == OutboxStatus.PENDING)
                    & (OutboxMail.next_attempt_at <= now)
                    & (OutboxMail.handed_at.is_(None) | (OutboxMail.handed_at <= stale)),
                    (OutboxMail.status == OutboxStatus.SENDING) & (OutboxMail.claimed_at <= stale),
                )
            )
            .order_by(OutboxMail.id)
        )
    )


def sweep_outbox(now: datetime | None = None, *, send_directly: bool = False) -> int:
    """Hand over again every row nobody took or whose worker died (or send them here, with
    `send_directly` or when the queue is unreachable). Returns how many rows it found."""
    ids = due_rows(now)
    if not ids:
        return 0
    # A worker silent for a minute is taken for dead: its row is due again.
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(ids), OutboxMail.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.PENDING)
    )
    db.session.commit()
    if send_directly or queue() is None:
        deliver(ids)
        return len(ids)
    hand_over(ids)
    if _unhanded(ids):  # the queue could not be reached
        deliver(ids)
    return len(ids)


def _unhanded(ids: list[int]) -> bool:
    return bool(
        db.session.scalar(
            select(OutboxMail.id).where(
                OutboxMail.id.in_(ids),
                OutboxMail.status == OutboxStatus.PENDING,
                OutboxMail.handed_at.is_(None),
            )
        )
    )


def retry_mail(row_id: int) -> OutboxMail | None:
    """A superuser's "Try again": a failed row gets its attempts back and goes out now."""
    row = db.session.get(OutboxMail, row_id)
    if row is None or row.status is not OutboxStatus.FAILED:
        return None
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, utcnow()
    row.handed_at, row.claimed_at = None, None
    row.last_error = f"Retried by a superuser (was: {row.last_error})"[:500]
    call_after_commit(hand_over, [row.id])
    return row


def outbox_rows(status: str | None = None, limit: int = 200) -> list[OutboxMail]:
    query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMail.status == OutboxStatus(status))
    return list(db.session.scalars(query))


def outbox_counts() -> dict[str, int]:
    counts = {status.value: 0 for status in OutboxStatus}
    for status, count in db.session.execute(
        select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
    ):
        counts[OutboxStatus(status).value] = count
    return counts

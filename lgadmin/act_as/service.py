"""Acting as a customer: who may, for how long, and the trail it leaves."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from .. import timeutil
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from ..mail_outbox import queue_jobs
from ..signals import act_as_ended, act_as_started, send_after_commit
from ..tenancy import belongs_to, in_market
from .models import END_REASONS, ActAsAction, ActAsSession
from .notify import send_help_notice

MAX_REASON = 250


class ActAsRefused(Exception):
    """Starting this session is not allowed; the message says why."""


@dataclass
class Limits:
    total: timedelta
    idle: timedelta


def limits() -> Limits:
    return Limits(
        total=timedelta(minutes=current_app.config.get("LGADMIN_ACT_AS_MINUTES", 30)),
        idle=timedelta(minutes=current_app.config.get("LGADMIN_ACT_AS_IDLE_MINUTES", 10)),
    )


STAFF_SEAT = (
    "Act as is for shoppers only: nobody can act as a market manager, a staff member "
    "or platform staff."
)


def seat_refusal(account) -> str | None:
    """Why nobody may act as `account` (None when a manager of its market may).

    Act-as is for shoppers (and volunteers and growers) only: never an account that holds
    an admin permission, whether or not it is active, so the seat can't reach the admin.
    The grid and the details page read this too (an Account or a grid row will do).
    """
    if account.is_superuser or account.is_manager or account.staff_role is not None:
        return STAFF_SEAT
    if not account.active:
        return "This account is inactive; activate it before acting as the customer."
    if account.is_guest:
        return "A guest has no account to act in; invite them to register first."
    return None


def refusal(actor: Account, shopper: Account, *, already_acting: bool) -> str | None:
    """Why `actor` may not act as `shopper` (None when they may)."""
    if already_acting:
        return "You are already acting as a customer: end that session first."
    if not (actor.is_superuser or (actor.is_manager and belongs_to(shopper, actor.market_id))):
        return "Only this market's managers can act as its customers."
    if actor.id == shopper.id:
        return "You can't act as yourself."
    return seat_refusal(shopper)


def start_act_as(
    actor: Account,
    shopper: Account,
    reason: str,
    *,
    ip_address: str = "",
    user_agent: str = "",
    already_acting: bool = False,
) -> ActAsSession:
    """Open a session (the caller commits and then swaps the signed-in identity)."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ActAsRefused(f"Keep the reason to {MAX_REASON} characters or fewer.")
    why_not = refusal(actor, shopper, already_acting=already_acting)
    if why_not:
        raise ActAsRefused(why_not)
    now = timeutil.utcnow()
    session = ActAsSession(
        market_id=shopper.market_id,
        manager_id=actor.id,
        shopper_id=shopper.id,
        reason=reason,
        started_at=now,
        last_seen_at=now,
        expires_at=now + limits().total,
        ip_address=(ip_address or "")[:45],
        user_agent=(user_agent or "")[:300],
    )
    db.session.add(session)
    db.session.flush()
    record(
        actor,
        shopper.market_id,
        "act_as.started",
        shopper,
        f"Started acting as {shopper.email}" + (f": {reason}" if reason else ""),
        session_id=session.id,
    )
    send_after_commit(act_as_started, session=session, manager=actor, shopper=shopper)
    return session


def overdue(session: ActAsSession, now: datetime | None = None) -> tuple[str, datetime] | None:
    """('expired' or 'idle', when it ran out) for an open session past a limit, else None.

    The time is when the limit was reached, not when somebody noticed: a session left
    behind overnight ended ten idle minutes after its last request.
    """
    now = now or timeutil.utcnow()
    idle_until = session.last_seen_at + limits().idle
    if session.expires_at <= idle_until and now >= session.expires_at:
        return "expired", session.expires_at
    if now >= idle_until:
        return "idle", idle_until
    return None


def expiry_reason(session: ActAsSession) -> str | None:
    """'expired' or 'idle' when the session must end now, else None."""
    ran_out = overdue(session)
    return ran_out[0] if ran_out else None


def touch(session: ActAsSession) -> None:
    session.last_seen_at = timeutil.utcnow()


def end_act_as(session: ActAsSession, how: str, at: datetime | None = None) -> bool:
    """Close the session (how: a key of END_REASONS) as of `at` (now when not given);
    False if it was closed already. The caller commits, then sends the shopper's notice."""
    if session.ended_at is not None:
        return False
    session.ended_at = at or timeutil.utcnow()
    session.end_reason = how
    manager = db.session.get(Account, session.manager_id)
    shopper = db.session.get(Account, session.shopper_id)
    record(
        manager,
        session.market_id,
        "act_as.ended",
        shopper,
        f"Stopped acting as {shopper.email} ({END_REASONS.get(how, how).lower()})",
        session_id=session.id,
        how=how,
    )
    send_after_commit(act_as_ended, session=session, manager=manager, shopper=shopper, how=how)
    return True


def end_overdue_sessions(
    *, market_id: int | None = None, shopper_id: int | None = None, manager_id: int | None = None
) -> list[int]:
    """Close every open session that ran out while nobody was in the seat to notice: the
    manager closed the tab, or their browser's cookie expired. Narrowed to a market, a
    shopper or a manager when given. Returns the ids closed now: the caller commits, then
    tells each shopper (send_end_notices), exactly as when the manager ends the session."""
    now = timeutil.utcnow()
    query = select(ActAsSession).where(
        ActAsSession.ended_at.is_(None),
        or_(
            ActAsSession.expires_at <= now,
            ActAsSession.last_seen_at <= now - limits().idle,
        ),
    )
    if market_id is not None:
        query = in_market(query, ActAsSession, market_id)
    if shopper_id is not None:
        query = query.where(ActAsSession.shopper_id == shopper_id)
    if manager_id is not None:
        query = query.where(ActAsSession.manager_id == manager_id)
    closed = []
    query = query.order_by(ActAsSession.id).with_for_update()
    # Re-read under the lock: a session already loaded may have been closed meanwhile.
    for session in db.session.scalars(query.execution_options(populate_existing=True)):
        ran_out = overdue(session, now)
        if ran_out and end_act_as(session, *ran_out):
            closed.append(session.id)
    return closed


def send_end_notices(session_ids: list[int]) -> None:
    """Queue the shopper's notice of each session closed (one job each; a failure is logged)."""
    queue_jobs(
        send_help_notice, [(session_id,) for session_id in session_ids], kind="Act-as notice"
    )


def record_action(session: ActAsSession, method: str, path: str, description: str) -> None:
    db.session.add(
        ActAsAction(
            session_id=session.id,
            at=timeutil.utcnow(),
            method=method,
            path=path[:500],
            description=description[:500],
        )
    )


def time_left(session: ActAsSession) -> timedelta:
    return max(session.expires_at - timeutil.utcnow(), timedelta(0))


def recent_help(shopper: Account, limit: int = 5) -> list[ActAsSession]:
    """The sessions a shopper is told about on their account page."""
    return list(
        db.session.scalars(
            select(ActAsSession)
            .where(ActAsSession.shopper_id == shopper.id)
            .order_by(ActAsSession.started_at.desc())
            .limit(limit)
        )
    )

"""Acting as a customer: who may, for how long, and the trail it leaves."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import timeutil
from ..audit.service import record
from ..customers.models import Account
from ..extensions import db
from .models import ActAsAction, ActAsSession

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


def refusal(actor: Account, shopper: Account, *, already_acting: bool) -> str | None:
    """Why `actor` may not act as `shopper` (None when they may)."""
    if already_acting:
        return "You are already acting as a customer: end that session first."
    if not (actor.is_superuser or (actor.is_manager and actor.market_id == shopper.market_id)):
        return "Only this market's managers can act as its customers."
    if actor.id == shopper.id:
        return "You can't act as yourself."
    if shopper.is_superuser or shopper.is_manager:
        return "Nobody can act as a market manager or platform staff."
    if not shopper.active:
        return "This account is inactive; activate it before acting as the customer."
    if shopper.is_guest:
        return "A guest has no account to act in; invite them to register first."
    return None


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
    return session


def expiry_reason(session: ActAsSession) -> str | None:
    """'expired' or 'idle' when the session must end now, else None."""
    now = timeutil.utcnow()
    if now >= session.expires_at:
        return "expired"
    if now - session.last_seen_at >= limits().idle:
        return "idle"
    return None


def touch(session: ActAsSession) -> None:
    session.last_seen_at = timeutil.utcnow()


def end_act_as(session: ActAsSession, how: str) -> bool:
    """Close the session ('ended', 'expired' or 'idle'); False if it was closed already.
    The caller commits."""
    if session.ended_at is not None:
        return False
    session.ended_at = timeutil.utcnow()
    session.end_reason = how
    manager = db.session.get(Account, session.manager_id)
    shopper = db.session.get(Account, session.shopper_id)
    record(
        manager,
        session.market_id,
        "act_as.ended",
        shopper,
        f"Stopped acting as {shopper.email} ({how})",
        session_id=session.id,
        how=how,
    )
    return True


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

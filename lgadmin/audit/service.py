"""The market's audit log: who did what to which record, and when."""

from ..extensions import db
from .models import AuditEntry


def record(
    actor, market_id: int | None, action: str, target=None, summary: str = "", **details
) -> AuditEntry:
    """Add an audit row in the caller's transaction (the caller commits).

    In a customer's seat (act-as) what the customer's account does is the manager's doing:
    the row names the manager as the actor, the customer as the subject, and the session.
    """
    actor_id = actor.id if actor is not None else None
    target_type = type(target).__name__.lower() if target is not None else ""
    target_id = getattr(target, "id", None)
    seat = _seat_acting_for(actor_id)
    if seat is not None:
        actor_id = seat.manager_id
        if target is None:
            target_type, target_id = "account", seat.shopper_id
        details = {**details, "act_as_session": seat.id}
    entry = AuditEntry(
        market_id=market_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        summary=summary[:500],
        details=details,
    )
    db.session.add(entry)
    return entry


# The act-as session a unit of work runs in, kept on the database session: it lives exactly as
# long as the request's session and never outlives it into another request.
SEAT_KEY = "lgadmin_act_as_seat"


def work_in_seat(seat) -> None:
    """What this unit of work changes is done from `seat` (an open act-as session).

    act_as's request hook says so once per request in a seat, so every service that audits is
    covered without passing the manager down, and no service reads the request."""
    db.session.info[SEAT_KEY] = seat


def _seat_acting_for(account_id: int | None):
    """The open act-as session of this unit of work whose seat `account_id` is, if any."""
    if account_id is None:
        return None
    seat = db.session.info.get(SEAT_KEY)
    if seat is None or seat.ended_at is not None or seat.shopper_id != account_id:
        return None
    return seat


def record_export(
    actor, market_id: int | None, action: str, what: str, rows: int, target=None, **details
) -> AuditEntry:
    """The one audit entry each download of personal data writes: who (the actor), what was
    exported and how many rows left. Every export path calls this (the caller commits)."""
    noun = "row" if rows == 1 else "rows"
    return record(
        actor,
        market_id,
        action,
        target,
        f"Exported {what}: {rows:,} {noun}",
        export=what,
        rows=rows,
        **details,
    )

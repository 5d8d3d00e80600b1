"""The market's audit log: who did what to which record, and when."""

from ..extensions import db
from .models import AuditEntry


def record(
    actor, market_id: int | None, action: str, target=None, summary: str = "", **details
) -> AuditEntry:
    """Add an audit row in the caller's transaction (the caller commits)."""
    entry = AuditEntry(
        market_id=market_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        summary=summary[:500],
        details=details,
    )
    db.session.add(entry)
    return entry


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

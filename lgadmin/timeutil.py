"""Time in one place, so tests can move the clock."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()

"""Each provider's webhook, authenticated its own way and turned into ReportedEvents."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from ..models import MailEventKind


class WebhookRefused(Exception):
    """The request is refused with `status`; nothing is stored."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ReportedEvent:
    """One delivery report in our words, as it will be stored in MailEvent."""

    provider_event_id: str
    kind: MailEventKind
    raw: str
    email: str = ""
    reason: str = ""
    market_id: int | None = None
    account_id: int | None = None
    occurred_at: datetime | None = None
    # Why nothing was applied, known from the report itself ("" when it is to be applied).
    not_applied_because: str = ""


def not_applied_reason(situation, detail: str = "") -> str:
    """'' for a situation lgadmin applies; otherwise what the report was, and any detail."""
    if situation.kind is not MailEventKind.OTHER:
        return ""
    return f"{situation.what}: {detail}" if detail else f"{situation.what}."


def fallback_event_id(payload) -> str:
    """For a report without an id of its own: the same report always gets the same id."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def as_text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def as_email(value) -> str:
    # Accounts store their email trimmed and lower-cased.
    return as_text(value, 254).lower()


def as_id(value) -> int | None:
    """A market or account id from the mail's metadata; anything else is no id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if 0 < number < 2**31 else None
    return None


def iso_time(value) -> datetime | None:
    """Naive UTC from an ISO 8601 time ('2026-05-31T18:14:03.1234567Z'), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "." in text:  # Postmark sends 7 fractional digits; Python reads up to 6
        head, _, tail = text.partition(".")
        digits = "".join(c for c in tail if c.isdigit())
        text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def epoch_time(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None

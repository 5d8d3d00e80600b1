"""Mailgun: `signature` {timestamp, token, signature} (HMAC-SHA256 of timestamp + token with
the webhook signing key) beside `event-data`, whose `user-variables` carry the
X-Mailgun-Variables the mail was sent with."""

import hashlib
import hmac

from ...timeutil import epoch_seconds
from ..models import MailEventKind
from . import ReportedEvent, WebhookRefused, as_email, as_id, as_text, epoch_time, fallback_event_id

NAME = "mailgun"
MAX_AGE_SECONDS = 300
# Permanent failures that are about an earlier unsubscribe or complaint, not a bad address.
NOT_A_BOUNCE = {"suppress-unsubscribe", "suppress-complaint"}


def signature_token(payload, config, now: float | None = None) -> str:
    """Check the signature and its age; returns the token, which must not be seen again."""
    key = config.get("MAILGUN_WEBHOOK_SIGNING_KEY")
    if not key:
        raise WebhookRefused(401, "Mailgun webhooks are not configured on this server.")
    signed = payload.get("signature") if isinstance(payload, dict) else None
    if not isinstance(signed, dict):
        raise WebhookRefused(401, "The webhook signature is missing.")
    timestamp, token, signature = (signed.get(k) for k in ("timestamp", "token", "signature"))
    if not all(isinstance(v, str | int) and str(v) for v in (timestamp, token, signature)):
        raise WebhookRefused(401, "The webhook signature is incomplete.")
    timestamp, token, signature = str(timestamp), str(token), str(signature)
    expected = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise WebhookRefused(401, "The webhook signature does not match.")
    try:
        age = (epoch_seconds() if now is None else now) - int(timestamp)
    except ValueError:
        raise WebhookRefused(401, "The webhook timestamp is not a time.") from None
    if abs(age) > MAX_AGE_SECONDS:
        raise WebhookRefused(401, "The webhook timestamp is older than 5 minutes.")
    return token


def events_from(payload: dict, raw: str) -> list[ReportedEvent]:
    data = payload.get("event-data")
    if not isinstance(data, dict):
        raise WebhookRefused(400, "The webhook has no event-data object.")
    name = as_text(data.get("event"), 40)
    if name == "failed" and data.get("severity") == "permanent":
        reason_code = as_text(data.get("reason"), 60)
        kind = MailEventKind.OTHER if reason_code in NOT_A_BOUNCE else MailEventKind.HARD_BOUNCE
    elif name == "complained":
        kind = MailEventKind.SPAM_COMPLAINT
    elif name == "unsubscribed":
        kind = MailEventKind.UNSUBSCRIBE
    else:
        kind = MailEventKind.OTHER
    status = data.get("delivery-status") if isinstance(data.get("delivery-status"), dict) else {}
    reason = (
        as_text(status.get("description"), 500)
        or as_text(status.get("message"), 500)
        or as_text(data.get("reason"), 500)
    )
    variables = data.get("user-variables") if isinstance(data.get("user-variables"), dict) else {}
    event_id = as_text(data.get("id"), 120)
    # Mailgun's event id is unique within a day: with the event's own time it is unique.
    timestamp = data.get("timestamp")
    if event_id and isinstance(timestamp, int | float | str):
        event_id = f"{event_id}:{timestamp}"
    return [
        ReportedEvent(
            provider_event_id=event_id[:200] or fallback_event_id(data),
            kind=kind,
            raw=raw,
            email=as_email(data.get("recipient")),
            reason=reason,
            market_id=as_id(variables.get("lgadmin-market")),
            account_id=as_id(variables.get("lgadmin-account")),
            occurred_at=epoch_time(timestamp),
        )
    ]

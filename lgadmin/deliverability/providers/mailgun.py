"""Mailgun: `signature` {timestamp, token, signature} (HMAC-SHA256 of timestamp + token with
the webhook signing key) beside `event-data`, whose `user-variables` carry the
X-Mailgun-Variables the mail was sent with."""

import hashlib
import hmac

from ..classification import MAILGUN, NOT_UNDERSTOOD, classify
from . import (
    ReportedEvent,
    WebhookRefused,
    as_email,
    as_id,
    as_text,
    epoch_time,
    fallback_event_id,
    not_applied_reason,
)

NAME = MAILGUN
KNOWN_PERMANENT_REASONS = {
    "bounce",
    "generic",
    "hardfail",
    "espblock",
    "suppress-bounce",
    "suppress-unsubscribe",
    "suppress-complaint",
    "old",
}


def signature_token(payload, config) -> str:
    """Check the signature; returns the token, which must not be seen again.

    The timestamp's age is not checked: Mailgun retries a report for hours with its original
    signature, and refusing it would lose the report. A captured signature can't be replayed
    with other event-data because its token is remembered (storage.store_reported_events).
    """
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
    return token


def events_from(payload: dict, raw: str) -> list[ReportedEvent]:
    data = payload.get("event-data")
    if not isinstance(data, dict):
        # Signed by Mailgun but not a shape we know: kept, so nothing the provider said is lost.
        unsigned = {key: value for key, value in payload.items() if key != "signature"}
        return [
            ReportedEvent(
                provider_event_id=fallback_event_id(unsigned),
                kind=NOT_UNDERSTOOD.kind,
                raw=raw,
                not_applied_because=not_applied_reason(
                    NOT_UNDERSTOOD, "the body has no event-data object."
                ),
            )
        ]
    status = data.get("delivery-status") if isinstance(data.get("delivery-status"), dict) else {}
    reason = (
        as_text(status.get("description"), 500)
        or as_text(status.get("message"), 500)
        or as_text(data.get("reason"), 500)
    )
    diagnostic = " ".join(
        as_text(status.get(key), 500) for key in ("enhanced-code", "message", "description")
    )
    name = as_text(data.get("event"), 40)
    situation = classify(NAME, _codes(name, data), diagnostic)
    detail = ""
    if situation is NOT_UNDERSTOOD:
        detail = f"the event {name!r} is not one lgadmin knows." if name else "no event name."
    variables = data.get("user-variables") if isinstance(data.get("user-variables"), dict) else {}
    event_id = as_text(data.get("id"), 120)
    # Mailgun's event id is unique within a day: with the event's own time it is unique.
    timestamp = data.get("timestamp")
    if event_id and isinstance(timestamp, int | float | str):
        event_id = f"{event_id}:{timestamp}"
    return [
        ReportedEvent(
            provider_event_id=event_id[:200] or fallback_event_id(data),
            kind=situation.kind,
            raw=raw,
            email=as_email(data.get("recipient")),
            reason=reason,
            market_id=as_id(variables.get("lgadmin-market")),
            account_id=as_id(variables.get("lgadmin-account")),
            occurred_at=epoch_time(timestamp),
            not_applied_because=not_applied_reason(situation, detail),
        )
    ]


def _codes(name: str, data: dict) -> list[str]:
    """The classification table's codes for this event, most specific first."""
    if name != "failed":
        return [name or "any other event", "any other event"]
    if data.get("severity") != "permanent":
        return ["failed, temporary"]
    reason = as_text(data.get("reason"), 60)
    if reason in KNOWN_PERMANENT_REASONS:
        return [f"failed, permanent, {reason}"]
    return ["failed, permanent, any other reason"]

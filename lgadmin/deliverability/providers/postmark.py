"""Postmark: HTTP basic auth on the webhook URL; one record (Bounce, SpamComplaint,
SubscriptionChange, Delivery, ...) per request, with the Metadata the mail was sent with."""

import hmac
import re

from flask import Request

from ..models import MailEventKind
from . import (
    ReportedEvent,
    WebhookRefused,
    as_email,
    as_id,
    as_text,
    fallback_event_id,
    iso_time,
)

NAME = "postmark"
# Bounce types that say the address itself is bad. "Blocked", "SoftBounce", "DnsError" and
# the like are about this message or our reputation, not the address, so they don't count.
HARD_BOUNCE_TYPES = {"HardBounce", "BadEmailAddress"}
_HEADER = re.compile(r"^X-LGAdmin-(Market|Account):\s*(\d+)\s*$", re.IGNORECASE | re.MULTILINE)


def authenticate(request: Request, config) -> None:
    user, password = config.get("POSTMARK_WEBHOOK_USER"), config.get("POSTMARK_WEBHOOK_PASSWORD")
    auth = request.authorization
    if not user or not password:
        raise WebhookRefused(401, "Postmark webhooks are not configured on this server.")
    if (
        auth is None
        or auth.type != "basic"
        or not hmac.compare_digest((auth.username or "").encode(), user.encode())
        or not hmac.compare_digest((auth.password or "").encode(), password.encode())
    ):
        raise WebhookRefused(401, "Wrong or missing webhook credentials.")


def events_from(payload, raw: str) -> list[ReportedEvent]:
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "A Postmark webhook body is one JSON object.")
    record_type = as_text(payload.get("RecordType"), 40)
    if record_type in ("Bounce", "SpamComplaint"):
        event = _bounce(payload, record_type, raw)
    elif record_type == "SubscriptionChange":
        event = _subscription_change(payload, raw)
    else:
        event = ReportedEvent(
            provider_event_id=_message_event_id(payload, record_type),
            kind=MailEventKind.OTHER,
            raw=raw,
            email=as_email(payload.get("Recipient") or payload.get("Email")),
            occurred_at=iso_time(payload.get("DeliveredAt") or payload.get("ReceivedAt")),
        )
    event.market_id, event.account_id = _sent_for(payload)
    return [event]


def _bounce(payload: dict, record_type: str, raw: str) -> ReportedEvent:
    bounce_type = as_text(payload.get("Type"), 40)
    if record_type == "SpamComplaint" or bounce_type == "SpamComplaint":
        kind = MailEventKind.SPAM_COMPLAINT
    elif bounce_type in HARD_BOUNCE_TYPES:
        kind = MailEventKind.HARD_BOUNCE
    elif bounce_type == "Unsubscribe":
        kind = MailEventKind.UNSUBSCRIBE
    else:
        kind = MailEventKind.OTHER
    bounce_id = payload.get("ID")
    has_id = isinstance(bounce_id, int | str) and not isinstance(bounce_id, bool) and bounce_id
    return ReportedEvent(
        provider_event_id=f"bounce:{bounce_id}" if has_id else fallback_event_id(payload),
        kind=kind,
        raw=raw,
        email=as_email(payload.get("Email")),
        reason=as_text(payload.get("Details") or payload.get("Description"), 500),
        occurred_at=iso_time(payload.get("BouncedAt")),
    )


def _subscription_change(payload: dict, raw: str) -> ReportedEvent:
    # A suppression the recipient asked for is an unsubscribe; suppressions after a hard
    # bounce or complaint arrive as their own Bounce / SpamComplaint records.
    unsubscribed = (
        payload.get("SuppressSending") is True
        and payload.get("SuppressionReason") == "ManualSuppression"
        and payload.get("Origin") == "Recipient"
    )
    return ReportedEvent(
        provider_event_id=fallback_event_id(payload),
        kind=MailEventKind.UNSUBSCRIBE if unsubscribed else MailEventKind.OTHER,
        raw=raw,
        email=as_email(payload.get("Recipient")),
        reason=as_text(payload.get("SuppressionReason"), 500),
        occurred_at=iso_time(payload.get("ChangedAt")),
    )


def _message_event_id(payload: dict, record_type: str) -> str:
    message_id = as_text(payload.get("MessageID"), 100)
    recipient = as_email(payload.get("Recipient") or payload.get("Email"))
    if message_id and record_type in ("Delivery",):
        return f"{record_type.lower()}:{message_id}:{recipient}"
    return fallback_event_id(payload)


def _sent_for(payload: dict) -> tuple[int | None, int | None]:
    """(market id, account id) from the Metadata lgadmin sent, or the headers in the dump."""
    metadata = payload.get("Metadata")
    if isinstance(metadata, dict):
        market, account = (
            as_id(metadata.get("lgadmin-market")),
            as_id(metadata.get("lgadmin-account")),
        )
        if market or account:
            return market, account
    content = payload.get("Content")
    if isinstance(content, str):
        found = {name.lower(): value for name, value in _HEADER.findall(content[:200_000])}
        return as_id(found.get("market")), as_id(found.get("account"))
    return None, None

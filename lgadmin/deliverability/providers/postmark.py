"""Postmark: HTTP basic auth on the webhook URL; one record (Bounce, SpamComplaint,
SubscriptionChange, Delivery, ...) per request, with the Metadata the mail was sent with."""

import hmac
import re

from flask import Request

from ..classification import NOT_UNDERSTOOD, POSTMARK, classify
from . import (
    ReportedEvent,
    WebhookRefused,
    as_email,
    as_id,
    as_text,
    fallback_event_id,
    iso_time,
    not_applied_reason,
)

NAME = POSTMARK
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
        # Authenticated but not a shape we know: kept, so nothing the provider said is lost.
        reason = not_applied_reason(NOT_UNDERSTOOD, "the body is not one JSON object.")
        return [
            ReportedEvent(
                provider_event_id=fallback_event_id(payload),
                kind=NOT_UNDERSTOOD.kind,
                raw=raw,
                not_applied_because=reason,
            )
        ]
    record_type = as_text(payload.get("RecordType"), 40)
    if record_type in ("Bounce", "SpamComplaint"):
        event = _bounce(payload, record_type, raw)
    elif record_type == "SubscriptionChange":
        event = _subscription_change(payload, raw)
    else:
        situation = classify(NAME, [record_type or "any other record type"])
        detail = ""
        if situation is NOT_UNDERSTOOD:
            known = f"the record type {record_type!r} is not one lgadmin knows."
            detail = known if record_type else "no RecordType."
        event = ReportedEvent(
            provider_event_id=_message_event_id(payload, record_type),
            kind=situation.kind,
            raw=raw,
            email=as_email(payload.get("Recipient") or payload.get("Email")),
            occurred_at=iso_time(payload.get("DeliveredAt") or payload.get("ReceivedAt")),
            not_applied_because=not_applied_reason(situation, detail),
        )
    event.market_id, event.account_id = _sent_for(payload)
    return [event]


def _bounce(payload: dict, record_type: str, raw: str) -> ReportedEvent:
    bounce_type = as_text(payload.get("Type"), 40)
    if record_type == "SpamComplaint":
        codes = ["SpamComplaint"]
    else:
        codes = [f"Bounce, {bounce_type}", "Bounce, any other type"]
    # Only Details is the receiving server's answer; Description is Postmark's text for the
    # type ("... mailbox full, account disabled ..." for every SoftBounce), so it can't decide.
    details = as_text(payload.get("Details"), 500)
    situation = classify(NAME, codes, details)
    bounce_id = payload.get("ID")
    has_id = isinstance(bounce_id, int | str) and not isinstance(bounce_id, bool) and bounce_id
    return ReportedEvent(
        provider_event_id=f"bounce:{bounce_id}" if has_id else fallback_event_id(payload),
        kind=situation.kind,
        raw=raw,
        email=as_email(payload.get("Email")),
        reason=details or as_text(payload.get("Description"), 500),
        occurred_at=iso_time(payload.get("BouncedAt")),
        not_applied_because=not_applied_reason(situation),
    )


def _subscription_change(payload: dict, raw: str) -> ReportedEvent:
    # A suppression the recipient asked for is an unsubscribe; suppressions after a hard
    # bounce or complaint arrive as their own Bounce / SpamComplaint records.
    unsubscribed = (
        payload.get("SuppressSending") is True
        and payload.get("SuppressionReason") == "ManualSuppression"
        and payload.get("Origin") == "Recipient"
    )
    code = "suppressed by the recipient" if unsubscribed else "any other change"
    situation = classify(NAME, [f"SubscriptionChange, {code}"])
    return ReportedEvent(
        provider_event_id=fallback_event_id(payload),
        kind=situation.kind,
        raw=raw,
        email=as_email(payload.get("Recipient")),
        reason=as_text(payload.get("SuppressionReason"), 500),
        occurred_at=iso_time(payload.get("ChangedAt")),
        not_applied_because=not_applied_reason(situation),
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

"""The providers' real webhook bodies (field names as Postmark and Mailgun document them)."""

import base64
import hashlib
import hmac
import itertools
import json
import secrets

from lgadmin.timeutil import epoch_seconds

POSTMARK_USER = "postmark-hook"
POSTMARK_PASSWORD = "s3cret-hook-password"
MAILGUN_KEY = "key-test-signing-0123456789"

_ids = itertools.count(4323372036854775807 - 10_000)


def metadata(account) -> dict:
    return {"lgadmin-market": str(account.market_id), "lgadmin-account": str(account.id)}


def postmark_bounce(email: str, *, type_="HardBounce", details="mailbox full", meta=None, **extra):
    body = {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": next(_ids),
        "Type": type_,
        "TypeCode": 1 if type_ == "HardBounce" else 4096,
        "Name": "Hard bounce" if type_ == "HardBounce" else "Soft bounce",
        "Tag": "newsletter",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": meta or {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": details,
        "Email": email,
        "From": "market@example.net",
        "BouncedAt": "2026-05-31T18:14:03.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "This week at the market",
    }
    body.update(extra)
    return body


def postmark_spam_complaint(email: str, meta=None) -> dict:
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "broadcast",
        "ID": next(_ids),
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "newsletter",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": meta or {},
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "market@example.net",
        "BouncedAt": "2026-06-01T13:05:00Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "This week at the market",
    }


def postmark_subscription_change(email: str, meta=None, *, suppress=True) -> dict:
    return {
        "RecordType": "SubscriptionChange",
        "MessageID": "6e2e9b8c-1b9d-4a3a-9d8e-1a2b3c4d5e6f",
        "ServerID": 23,
        "MessageStream": "broadcast",
        "ChangedAt": "2026-06-01T09:00:00.416071Z",
        "Recipient": email,
        "Origin": "Recipient",
        "SuppressSending": suppress,
        "SuppressionReason": "ManualSuppression",
        "Tag": "newsletter",
        "Metadata": meta or {},
    }


def postmark_auth(user=POSTMARK_USER, password=POSTMARK_PASSWORD) -> dict:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def mailgun_signature(key=MAILGUN_KEY, timestamp=None, token=None) -> dict:
    timestamp = str(int(epoch_seconds()) if timestamp is None else timestamp)
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def mailgun_event(
    email: str, event="failed", *, severity="permanent", reason="mailbox full", meta=None, id_=None
) -> dict:
    data = {
        "event": event,
        "id": id_ or secrets.token_urlsafe(16),
        "timestamp": epoch_seconds(),
        "log-level": "error" if event == "failed" else "warn",
        "recipient": email,
        "recipient-domain": email.rpartition("@")[2],
        "message": {
            "headers": {
                "to": email,
                "message-id": "20260531181403.1.ABCDEF@mg.example.net",
                "from": "Market <market@mg.example.net>",
                "subject": "This week at the market",
            },
            "attachments": [],
            "size": 1111,
        },
        "user-variables": meta or {},
        "flags": {"is-routed": False, "is-authenticated": True, "is-test-mode": False},
        "tags": ["newsletter"],
    }
    if event == "failed":
        data["severity"] = severity
        data["reason"] = "bounce" if severity == "permanent" else "generic"
        data["delivery-status"] = {
            "attempt-no": 1,
            "message": f"550 5.2.2 {reason}",
            "code": 550,
            "description": reason,
            "session-seconds": 0.1,
        }
    return data


def mailgun_body(event_data: dict, **signature) -> bytes:
    return json.dumps({"signature": mailgun_signature(**signature), "event-data": event_data})


def post_postmark(client, body, headers=None):
    return client.post("/webhooks/mail/postmark", json=body, headers=headers or postmark_auth())


def post_mailgun(client, body):
    return client.post(
        "/webhooks/mail/mailgun", data=body, headers={"Content-Type": "application/json"}
    )

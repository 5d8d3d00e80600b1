"""The providers' own published example payloads, as their webhook documentation and "send a
test webhook" buttons deliver them: only the recipient, the ids and the metadata lgadmin sent
are put in, so a test can tie the report to a customer.

Mailgun: the permanent_fail, temporary_fail, complained and unsubscribed samples (event-data,
beside a `signature` made with the test key). Postmark: the Bounce, SpamComplaint and
SubscriptionChange examples of its webhook documentation.
"""

import copy
import itertools

_ids = itertools.count(1)

MAILGUN_PERMANENT_FAIL = {
    "id": "G9Bn5sl1TC6nu79C8C0bwg",
    "timestamp": 1521233195.375624,
    "log-level": "error",
    "event": "failed",
    "severity": "permanent",
    "reason": "suppress-bounce",
    "delivery-status": {
        "attempt-no": 1,
        "message": "",
        "code": 605,
        "enhanced-code": "",
        "description": "Not delivering to previously bounced address",
        "session-seconds": 0,
    },
    "flags": {
        "is-routed": False,
        "is-authenticated": True,
        "is-system-test": False,
        "is-test-mode": False,
    },
    "envelope": {"sender": "bob@sandbox.mailgun.org", "transport": "smtp", "targets": ""},
    "message": {
        "headers": {
            "to": "Alice <alice@example.com>",
            "message-id": "20130503192659.13651.20287@sandbox.mailgun.org",
            "from": "Bob <bob@sandbox.mailgun.org>",
            "subject": "Test permanent_fail webhook",
        },
        "attachments": [],
        "size": 111,
    },
    "recipient": "alice@example.com",
    "recipient-domain": "example.com",
    "storage": {"url": "https://se.api.mailgun.net/v3/domains/sandbox/messages/message_key"},
    "campaigns": [],
    "tags": ["my_tag_1", "my_tag_2"],
    "user-variables": {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"},
}
MAILGUN_TEMPORARY_FAIL = {
    "id": "Fs7-5t81S2ispqxqDw2U4Q",
    "timestamp": 1521472262.908181,
    "log-level": "warn",
    "event": "failed",
    "severity": "temporary",
    "reason": "generic",
    "delivery-status": {
        "attempt-no": 1,
        "message": "4.2.2 The email account that you tried to reach is over quota. Please direct "
        "4.2.2 the recipient to 4.2.2 https://support.example.com/mail/?p=422",
        "code": 452,
        "enhanced-code": "4.2.2",
        "description": "",
        "retry-seconds": 600,
    },
    "envelope": {"sender": "bob@sandbox.mailgun.org", "transport": "smtp", "targets": ""},
    "message": {
        "headers": {
            "to": "Alice <alice@example.com>",
            "message-id": "20130503192659.13651.20287@sandbox.mailgun.org",
            "from": "Bob <bob@sandbox.mailgun.org>",
            "subject": "Test temporary_fail webhook",
        },
        "attachments": [],
        "size": 111,
    },
    "recipient": "alice@example.com",
    "recipient-domain": "example.com",
    "campaigns": [],
    "tags": ["my_tag_1", "my_tag_2"],
    "user-variables": {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"},
}
MAILGUN_COMPLAINED = {
    "id": "-Agny091SquKnsrW2NEKUA",
    "timestamp": 1521233123.501324,
    "log-level": "warn",
    "event": "complained",
    "envelope": {"sending-ip": "173.193.210.33"},
    "flags": {"is-test-mode": False},
    "message": {
        "headers": {
            "to": "Alice <alice@example.com>",
            "message-id": "20110215055645.25246.63817@sandbox.mailgun.org",
            "from": "Bob <bob@sandbox.mailgun.org>",
            "subject": "Test complained webhook",
        },
        "attachments": [],
        "size": 111,
    },
    "recipient": "alice@example.com",
    "campaigns": [],
    "tags": ["my_tag_1", "my_tag_2"],
    "user-variables": {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"},
}
MAILGUN_UNSUBSCRIBED = {
    "id": "Ub5qyKqpSlmQMkRyLHQRoQ",
    "timestamp": 1521243339.873676,
    "log-level": "info",
    "event": "unsubscribed",
    "message": {"headers": {"message-id": "20130503182626.18666.16540@sandbox.mailgun.org"}},
    "recipient": "alice@example.com",
    "geolocation": {"country": "US", "region": "CA", "city": "San Francisco"},
    "tags": ["my_tag_1", "my_tag_2"],
    "ip": "111.111.111.111",
    "client-info": {
        "client-os": "Linux",
        "device-type": "desktop",
        "client-name": "Chrome",
        "client-type": "browser",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64)",
    },
    "campaigns": [],
    "user-variables": {"my_var_1": "Mailgun Variable #1", "my-var-2": "awesome"},
}

POSTMARK_BOUNCE = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "Test",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Metadata": {"a_key": "a_value", "b_key": "b_value"},
    "ServerID": 23,
    "Description": "The server was unable to deliver your message (ex: unknown user, mailbox "
    "not found).",
    "Details": "Test bounce details",
    "Email": "john@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "Test subject",
    "Content": "<Full dump of bounce>",
}
POSTMARK_SPAM_COMPLAINT = {
    "RecordType": "SpamComplaint",
    "MessageStream": "outbound",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Tag": "Test",
    "MessageID": "00000000-0000-0000-0000-000000000000",
    "Metadata": {"a_key": "a_value", "b_key": "b_value"},
    "ServerID": 1234,
    "Description": "",
    "Details": "Test spam complaint details",
    "Email": "john@example.com",
    "From": "sender@example.com",
    "BouncedAt": "2019-11-05T16:33:54.9070259Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": False,
    "Subject": "Test subject",
    "Content": "<Abuse report dump>",
}
POSTMARK_SUBSCRIPTION_CHANGE = {
    "RecordType": "SubscriptionChange",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "ServerID": 123456,
    "MessageStream": "outbound",
    "ChangedAt": "2020-07-02T14:07:22.416071Z",
    "Recipient": "bounced-address@wildbit.com",
    "Origin": "Recipient",
    "SuppressSending": True,
    "SuppressionReason": "ManualSuppression",
    "Tag": "my-tag",
    "Metadata": {"example": "value", "example_2": "value"},
}
# Postmark's type codes for the bounce types its documentation lists.
POSTMARK_TYPE_CODES = {
    "HardBounce": 1,
    "Transient": 2,
    "DnsError": 256,
    "SoftBounce": 4096,
    "BadEmailAddress": 100000,
    "ManuallyDeactivated": 100002,
    "Blocked": 100006,
    "DMARCPolicy": 100009,
}


def mailgun(sample: dict, email: str, meta: dict | None = None, **changes) -> dict:
    """The sample's event-data for `email`, with a new id and lgadmin's metadata."""
    data = copy.deepcopy(sample)
    data.update(recipient=email, id=f"{data['id']}-{next(_ids)}", **changes)
    data["recipient-domain"] = email.rpartition("@")[2]
    data["user-variables"] = {**data.get("user-variables", {}), **(meta or {})}
    return data


def mailgun_status(data: dict, **status) -> dict:
    data["delivery-status"] = {**data.get("delivery-status", {}), **status}
    return data


def postmark(sample: dict, email: str, meta: dict | None = None, **changes) -> dict:
    """The sample for `email`, with a new id, lgadmin's metadata and any field changed."""
    body = copy.deepcopy(sample)
    body["Recipient" if "Recipient" in body else "Email"] = email
    if "ID" in body:
        body["ID"] = body["ID"] - next(_ids)
    body["Metadata"] = {**body.get("Metadata", {}), **(meta or {})}
    if "Type" in changes:
        changes.setdefault("TypeCode", POSTMARK_TYPE_CODES.get(changes["Type"], 0))
    body.update(changes)
    return body

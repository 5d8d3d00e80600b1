"""Everything lgadmin holds about one customer, as JSON and a readable HTML page in a ZIP.

Secrets never leave: no password hash, no token hashes, no raw provider payloads,
no Stripe ids, and of a saved card only brand, last 4 digits and expiry.
"""

import io
import json
import zipfile

from flask import render_template

from ..accounts.models import Account
from ..markets.models import Market
from ..tenancy import belongs_to
from ..timeutil import utcnow
from . import records

FORMAT = "lgadmin customer data, version 1"

# Every column that points at an account, and where the export covers it. A column
# that records what the account did as staff for *other* customers is not about
# this customer. tests/privacy checks this list against the models' foreign keys,
# so a new table that references accounts cannot be forgotten here (tables are named
# without the lgadmin_ prefix).
ACCOUNT_REFERENCES = {
    "account.created_by_id": "staff activity: accounts this one created",
    "act_as_session.shopper_id": "act_as_sessions",
    "act_as_session.manager_id": "staff activity: sessions in other customers' seats",
    "address.account_id": "addresses",
    "audit_entry.actor_id": "audit_log",
    "campaign.sent_by_id": "staff activity: campaigns sent",
    "campaign_recipient.account_id": "mailings",
    "card_charge.account_id": "orders",
    "cart_item.account_id": "cart",
    "comment.account_id": "comments",
    "comment.author_id": "staff activity: comments on other customers",
    "account_merge.merged_account_id": "merges",
    "account_merge.kept_account_id": "merges",
    "account_merge.merged_by_id": "staff activity: accounts merged",
    "data_request.account_id": "data_requests",
    "data_request.handled_by_id": "staff activity: requests handled",
    "grower_profile.account_id": "grower",
    "import_preview.created_by_id": "staff activity: imports",
    "import_preview.imported_by_id": "staff activity: imports",
    "invitation.account_id": "invitations",
    "invitation.invited_by_id": "staff activity: invitations sent",
    "invitation_batch.created_by_id": "staff activity: invitations sent",
    "ledger_entry.account_id": "ledger",
    "ledger_entry.created_by_id": "staff activity: balance adjustments",
    "loyalty_entry.account_id": "loyalty",
    "loyalty_entry.created_by_id": "staff activity: loyalty adjustments",
    "mail_event.account_id": "mail_events",
    "orders.account_id": "orders",
    "orders.placed_by_id": "staff activity: orders placed while acting as a customer",
    "payment_method.account_id": "cards",
    "segment.created_by_id": "staff activity: segments",
    "export.requested_by_id": "staff activity: customer exports",
    "token.account_id": "tokens",
}


def customer_data(manager: Account, market: Market, account: Account) -> dict:
    """Everything held about `account` of `market`, as plain JSON-ready values."""
    if not belongs_to(account, market):
        raise LookupError("The customer is not of this market.")
    cur = market.currency
    return {
        "format": FORMAT,
        "exported_at": records.utc(utcnow()),
        "exported_by": records.name_of(manager),
        "market": {"name": market.name, "slug": market.slug, "currency": cur},
        "profile": records.profile(account, cur),
        "addresses": records.addresses(account),
        "orders": records.orders(account, cur),
        "cart": records.cart(account),
        "ledger": records.ledger(account, cur),
        "loyalty": records.loyalty(account),
        "membership": records.membership(account),
        "comments": records.comments(account),
        "mail_events": records.mail_events(account),
        "mailings": records.mailings(account),
        "act_as_sessions": records.act_as_sessions(account),
        "consents": records.consents(account),
        "cards": records.cards(account),
        "tokens": records.tokens(account),
        "invitations": records.invitations(account),
        "grower": records.grower(account, cur),
        "data_requests": records.data_requests(account),
        "merges": records.merges(account),
        "audit_log": records.audit_log(account),
    }


def record_count(data: dict) -> int:
    """How many records a copy holds: the profile, and each row of every list in it."""
    return 1 + sum(len(value) for value in data.values() if isinstance(value, list))


def data_zip(data: dict) -> bytes:
    """customer-<id>.json and customer-<id>.html, in a ZIP built in memory."""
    customer_id = data["profile"]["id"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"customer-{customer_id}.json", json.dumps(data, indent=2, ensure_ascii=False)
        )
        archive.writestr(
            f"customer-{customer_id}.html",
            render_template("lgadmin/privacy/customer_data.html", data=data),
        )
    return buffer.getvalue()

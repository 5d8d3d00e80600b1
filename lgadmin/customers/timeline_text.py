"""How each kind of timeline row reads: one plain line (the template escapes it) and an icon."""

import json
from dataclasses import dataclass
from datetime import datetime

from ..accounts.models import Account
from ..audit.actions import ACTION_LABELS
from ..markets.models import Market
from ..money import format_money
from .service import SPECIAL_FLAGS

LINK_LABELS = {
    "set_password": "Set-password link emailed",
    "reset_password": "Password reset link emailed",
    "sign_in_link": "Sign-in link emailed",
    "verify_email": "Email confirmation link emailed",
}
LEDGER_LABELS = {
    "adjustment": "Balance adjusted",
    "prepayment": "Payment received",
    "refund": "Refund",
}
MAIL_LABELS = {
    "hard_bounce": "Mail bounced (hard)",
    "spam_complaint": "Marked our mail as spam",
    "unsubscribe": "Unsubscribed from mail",
    "other": "Mail event reported",
}
CHARGE_LABELS = {
    "succeeded": "Card charged",
    "already_paid": "Card charge not needed (already paid)",
    "declined": "Card declined",
    "requires_action": "Card charge waiting for the shopper's confirmation",
    "processing": "Card charge processing",
    "failed": "Card charge failed",
    "unknown": "Card charge with no answer yet",
    "pending": "Card charge under way",
}
# Audit actions that read as their Audit Log name; any other action reads as its summary.
AUDIT_LABELS = {
    code: ACTION_LABELS[code]
    for code in ("account.signup", "customer.data_exported", "customer.erased", "customer.deleted")
}
AUDIT_ICONS = {
    "auth.signed_in": "fa-sign-in",
    "account.password_set": "fa-key",
    "account.reset_link_sent": "fa-key",
    "account.signup": "fa-user-plus",
    "membership.updated": "fa-id-card-o",
    "customer.special_info_updated": "fa-flag",
    "customer.info_updated": "fa-pencil",
    "customer.merged": "fa-compress",
    "customer.data_exported": "fa-download",
    "customer.erased": "fa-eraser",
}
FLAG_LABELS = set(SPECIAL_FLAGS.values())


@dataclass
class TimelineEntry:
    at: datetime
    group: str
    text: str
    icon: str
    order_id: int | None = None
    ledger_entry_id: int | None = None
    # The source table's kind and row id: unique in the timeline.
    key: str = ""

    @property
    def badge(self) -> tuple[str, str]:
        """(label, Bootstrap badge class) of the entry's group."""
        return GROUP_BADGES.get(self.group, ("Change", "badge-secondary"))


def describe(row, account: Account, market: Market, names: dict[int, str]) -> TimelineEntry:
    """The TimelineEntry for one row of the union."""
    entry = _entry(row, account, market, names)
    entry.key = f"{row.kind}-{row.source_id}"
    return entry


def _entry(row, account: Account, market: Market, names: dict[int, str]) -> TimelineEntry:
    by = _by(row.actor_id, account, names)
    currency = market.currency
    kind = row.kind
    if kind == "audit":
        group, icon, text = _audit(row, by)
        return TimelineEntry(row.occurred_at, group, text, icon)
    if kind == "created":
        text = f"Account created{by}" if row.actor_id else "Account created"
        return TimelineEntry(row.occurred_at, "changes", text, "fa-user-plus")
    if kind == "invitation":
        accepted = " (accepted)" if row.until else ""
        return TimelineEntry(
            row.occurred_at, "changes", f"Invited to join{by}{accepted}", "fa-envelope-open-o"
        )
    if kind == "link":
        used = " (used)" if row.until else ""
        text = LINK_LABELS.get(row.action, "Link emailed") + used
        return TimelineEntry(row.occurred_at, "sign_ins", text, "fa-link")
    if kind == "ledger":
        amount = _signed(row.amount_cents, currency)
        label = LEDGER_LABELS.get(row.action, "Balance changed")
        text = f"{label} {amount}{by}" + (f": {row.text}" if row.text else "")
        return TimelineEntry(
            row.occurred_at, "balance", text, "fa-usd", ledger_entry_id=row.source_id
        )
    if kind == "order":
        text = f"Order #{row.ref_id} placed ({format_money(row.amount_cents, currency)}){by}"
        return TimelineEntry(
            row.occurred_at, "orders", text, "fa-shopping-basket", order_id=row.ref_id
        )
    if kind == "order_cancelled":
        return TimelineEntry(
            row.occurred_at,
            "orders",
            f"Order #{row.ref_id} cancelled",
            "fa-ban",
            order_id=row.ref_id,
        )
    if kind == "charge":
        label = CHARGE_LABELS.get(row.action, f"Card charge: {row.action}")
        text = f"{label}: {format_money(row.amount_cents, currency)} for order #{row.ref_id}"
        if row.text and row.action != "succeeded":
            text += f" ({row.text})"
        return TimelineEntry(row.occurred_at, "orders", text, "fa-credit-card", order_id=row.ref_id)
    if kind == "mail":
        text = MAIL_LABELS.get(row.action, "Mail event reported")
        if row.text:
            text += f": {row.text}"
        icon = "fa-exclamation-triangle" if row.action == "hard_bounce" else "fa-envelope-o"
        return TimelineEntry(row.occurred_at, "mail", text, icon)
    if kind == "act_as":
        text = f"Act-as session{by} ({_duration(row.occurred_at, row.until, row.action)})"
        if row.text:
            text += f": {row.text}"
        return TimelineEntry(row.occurred_at, "sign_ins", text, "fa-user-secret")
    return TimelineEntry(row.occurred_at, "changes", row.text or kind, "fa-circle-o")


def _audit(row, by: str) -> tuple[str, str, str]:
    """(group, icon, text) of an audit row; unknown actions read as their summary."""
    action = row.action or ""
    details = _details(row.detail)
    icon = AUDIT_ICONS.get(action, "fa-pencil")
    if action.startswith("mail."):
        return "mail", "fa-envelope-o", row.text or action
    if action == "auth.signed_in":
        return "sign_ins", icon, row.text or "Signed in"
    if action == "account.password_set":
        return "sign_ins", icon, row.text or "Set a password"
    if action == "account.reset_link_sent":
        return "sign_ins", icon, f"Password reset link requested{by}"
    if action == "account.signup" and "was a guest" in (row.text or ""):
        return "changes", icon, "Signed up (was a guest)"
    if action == "membership.updated" and "before" in details:
        return "changes", icon, f"Membership: {details['before']} → {details.get('after')}{by}"
    if action == "customer.special_info_updated" and details.get("before_after"):
        changes = "; ".join(
            ("Flag " if change.get("label") in FLAG_LABELS else "")
            + f"{change.get('label')}: {change.get('before')} → {change.get('after')}"
            for change in details["before_after"]
            if isinstance(change, dict)
        )
        return "changes", icon, f"{changes}{by}"
    if action == "customer.info_updated" and details.get("fields"):
        fields = ", ".join(str(field).replace("_", " ") for field in details["fields"])
        return "changes", icon, f"Changed {fields}{by}"
    if action == "customer.merged":
        other = details.get("merged_email") or details.get("email") or details.get("other_email")
        text = f"Merged account of {other}" if other else (row.text or "Merged accounts")
        return "changes", icon, f"{text}{by}"
    if action.startswith("customer.bulk_"):
        return "changes", "fa-list", f"{row.text or action}{by}"
    if action in AUDIT_LABELS:
        return "changes", icon, f"{AUDIT_LABELS[action]}{by}"
    return "changes", icon, f"{row.text or action}{by}"


def _by(actor_id: int | None, account: Account, names: dict[int, str]) -> str:
    """' by Jane Manager', or '' when nobody or the customer did it themselves."""
    if actor_id is None or actor_id == account.id:
        return ""
    return f" by {names.get(actor_id, 'a former manager')}"


def _signed(cents: int | None, currency: str) -> str:
    return ("+" if (cents or 0) > 0 else "") + format_money(cents, currency)


def _duration(started: datetime, until: datetime | None, end_reason: str) -> str:
    if not end_reason:
        return "in progress"
    minutes = max(round((until - started).total_seconds() / 60), 1) if until else 0
    return f"{minutes} min"


def _details(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


GROUP_BADGES = {
    "orders": ("Order", "badge-primary"),
    "balance": ("Balance", "badge-success"),
    "mail": ("Mail", "badge-warning"),
    "sign_ins": ("Sign-in", "badge-info"),
    "changes": ("Change", "badge-secondary"),
}

"""A market's own settings that its managers change: time zone, loyalty program, sign-in
links and how its mail reads (sender name, Reply-To, unsubscribe mailbox)."""

import re
import unicodedata

from ..audit.service import record
from ..contact import email_problem, normalize_email
from ..mail import header_problem
from ..markets.models import Market
from ..timeutil import is_known_zone

MAX_POINTS_PER_UNIT = 1000
MAX_POINT_VALUE_CENTS = 10_000
MAX_SENDER_NAME = 120


class SettingsError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _whole(field: str, raw, low: int, high: int, what: str) -> int:
    text = str(raw if raw is not None else "").strip()
    if not re.fullmatch(r"\d+", text):
        raise SettingsError(field, f"Enter {what} as a whole number from {low} to {high:,}.")
    value = int(text)
    if not low <= value <= high:
        raise SettingsError(field, f"Enter {what} as a whole number from {low} to {high:,}.")
    return value


def _zone_name(raw) -> str:
    name = str(raw or "").strip()
    if not is_known_zone(name):
        raise SettingsError(
            "timezone",
            "Enter a time zone by its name in the time zone database, such as America/New_York "
            "or Europe/Paris.",
        )
    return name


def _sender_name(raw) -> str:
    """The name mail is sent under: one line (it goes into the From header), any script."""
    text = unicodedata.normalize("NFC", str(raw or "")).strip()
    problem = header_problem(text)
    if problem == "line break":
        raise SettingsError(
            "mail_sender_name", "Write the sender name on one line, without line breaks."
        )
    if problem:
        raise SettingsError("mail_sender_name", "Remove the control characters from the name.")
    if len(text) > MAX_SENDER_NAME:
        raise SettingsError(
            "mail_sender_name", f"Keep the sender name under {MAX_SENDER_NAME} characters."
        )
    return text


def _mailbox(field: str, raw, what: str) -> str:
    """An email address, or "" for the default."""
    if header_problem(raw):
        raise SettingsError(
            field, f"Enter {what} as one email address, such as orders@example.org."
        )
    address = normalize_email(raw)
    if address and email_problem(address):
        raise SettingsError(
            field, f"Enter {what} as one email address, such as orders@example.org."
        )
    return address


def update_market_settings(
    actor,
    market: Market,
    *,
    timezone: str | None = None,
    loyalty_enabled: bool,
    points_per_unit,
    point_value_cents,
    sign_in_link_enabled: bool,
    mail_sender_name=None,
    mail_reply_to=None,
    mail_unsubscribe_mailbox=None,
) -> list[str]:
    """Save the settings; returns what changed. The caller commits.

    The mail settings are left as they are when not given (None); "" is the default.
    """
    rate = _whole("points_per_unit", points_per_unit, 0, MAX_POINTS_PER_UNIT, "the points")
    value = _whole(
        "point_value_cents", point_value_cents, 0, MAX_POINT_VALUE_CENTS, "the value in cents"
    )
    wanted = {
        "timezone": market.timezone if timezone is None else _zone_name(timezone),
        "loyalty_enabled": bool(loyalty_enabled),
        "loyalty_points_per_unit": rate,
        "loyalty_point_value_cents": value,
        "sign_in_link_enabled": bool(sign_in_link_enabled),
    }
    if mail_sender_name is not None:
        wanted["mail_sender_name"] = _sender_name(mail_sender_name)
    if mail_reply_to is not None:
        wanted["mail_reply_to"] = _mailbox("mail_reply_to", mail_reply_to, "the Reply-To")
    if mail_unsubscribe_mailbox is not None:
        wanted["mail_unsubscribe_mailbox"] = _mailbox(
            "mail_unsubscribe_mailbox", mail_unsubscribe_mailbox, "the unsubscribe mailbox"
        )
    changed = [name for name, v in wanted.items() if getattr(market, name) != v]
    for name in changed:
        setattr(market, name, wanted[name])
    if changed:
        record(
            actor,
            market.id,
            "market.settings_updated",
            market,
            f"Market settings: {', '.join(changed)}",
            **{name: wanted[name] for name in changed},
        )
    return changed

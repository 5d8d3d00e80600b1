"""The status icons of spec 000, from one grid row's columns."""

from dataclasses import dataclass
from datetime import date

from ..money import format_money
from ..timeutil import format_date


@dataclass(frozen=True)
class StatusIcon:
    key: str
    fa: str  # a Font Awesome 4.7 class; the font is served from our own static files
    label: str  # the legend's words, also the accessible name when no detail is needed


LEGEND = (
    StatusIcon("manager", "fa-shield", "Market manager"),
    StatusIcon("volunteer", "fa-heart", "Market volunteer"),
    StatusIcon("grower", "fa-leaf", "Also sells as a grower"),
    StatusIcon("member", "fa-star", "Current member"),
    StatusIcon("card", "fa-credit-card", "Payment method on file"),
    StatusIcon("negative", "fa-exclamation-triangle", "Negative balance"),
    StatusIcon("no-mail", "fa-envelope", "Opted out of newsletters"),
)
_BY_KEY = {icon.key: icon for icon in LEGEND}


def _card_tooltip(row, today: date) -> str:
    brand = (row.card_brand or "card").title()
    text = f"{brand} ending in {row.card_last4}"
    if (row.card_exp_year, row.card_exp_month) < (today.year, today.month):
        text += f" (expired {row.card_exp_month:02d}/{row.card_exp_year})"
    return text


def status_icons(row, currency: str, today: date) -> list[tuple[StatusIcon, str]]:
    """(icon, tooltip) pairs for a grid row, in the legend's order; `today` is the market's."""
    icons = []
    if row.is_manager:
        icons.append(("manager", "Market manager"))
    if row.is_volunteer:
        icons.append(("volunteer", "Market volunteer"))
    if row.grower_id is not None:
        icons.append(("grower", f"Also sells as a grower: {row.grower_name}"))
    if row.membership_expires_on is not None and row.membership_expires_on >= today:
        icons.append(("member", f"Member until {format_date(row.membership_expires_on)}"))
    if row.card_last4:
        icons.append(("card", _card_tooltip(row, today)))
    if row.balance_cents < 0:
        icons.append(
            ("negative", f"Negative balance: owes {format_money(-row.balance_cents, currency)}")
        )
    if not row.receives_mailings:
        why = (
            "Emails off after a hard bounce" if row.email_bounced_at else "Opted out of newsletters"
        )
        icons.append(("no-mail", why))
    return [(_BY_KEY[key], tooltip) for key, tooltip in icons]

"""A market's own settings that its managers change: time zone, loyalty program, sign-in links."""

import re

from ..audit.service import record
from ..timeutil import is_known_zone
from .models import Market

MAX_POINTS_PER_UNIT = 1000
MAX_POINT_VALUE_CENTS = 10_000


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


def update_market_settings(
    actor,
    market: Market,
    *,
    timezone: str | None = None,
    loyalty_enabled: bool,
    points_per_unit,
    point_value_cents,
    sign_in_link_enabled: bool,
) -> list[str]:
    """Save the settings; returns what changed. The caller commits."""
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

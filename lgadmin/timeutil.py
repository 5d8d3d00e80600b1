"""The clock and market time, in one place.

Every "now" in lgadmin comes from here, so tests set one clock for the whole suite
(a lint rule refuses direct reads of the system clock elsewhere). Every date a
market sees is that market's local date: a shopper's "today" is not UTC's.
"""

import time
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The formats of spec 000 ("5/31/2026, 2:14 PM"): one for dates, one for date-times.
DATE_FORMAT = "%-m/%-d/%Y"
DATETIME_FORMAT = "%-m/%-d/%Y, %-I:%M %p"


def utcnow() -> datetime:
    """Naive UTC: what every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def epoch_seconds() -> float:
    """Seconds since the epoch, for signatures and timestamps providers exchange."""
    return time.time()


def is_known_zone(name: str) -> bool:
    return bool(name) and name in _known_zones()


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The market's zone; a name the system does not know reads as UTC rather than failing."""
    try:
        return ZoneInfo(name) if name and is_known_zone(name) else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _zone_of(market_or_zone) -> ZoneInfo:
    if isinstance(market_or_zone, ZoneInfo):
        return market_or_zone
    if isinstance(market_or_zone, str) or market_or_zone is None:
        return zone(market_or_zone)
    return zone(market_or_zone.timezone)


def to_market_time(at: datetime, market_or_zone) -> datetime:
    """A stored naive-UTC instant as the market's aware local time."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(_zone_of(market_or_zone))


def market_now(market_or_zone) -> datetime:
    return to_market_time(utcnow(), market_or_zone)


def market_today(market_or_zone) -> date:
    """Today's date where the market is."""
    return market_now(market_or_zone).date()


def market_midnight_utc(day: date, market_or_zone) -> datetime:
    """The instant a market's local day begins, as naive UTC (for range queries)."""
    local = datetime(day.year, day.month, day.day, tzinfo=_zone_of(market_or_zone))
    return local.astimezone(UTC).replace(tzinfo=None)


def format_date(value: date | datetime | None, market_or_zone=None) -> str:
    """'5/31/2026'. A stored (naive UTC) datetime is first turned into the market's local
    date; an aware one given without a market keeps its own zone's date (it is a market
    time already, and UTC's date would be the next day on a market's evening)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None or market_or_zone is not None:
            value = to_market_time(value, market_or_zone)
        value = value.date()
    return value.strftime(DATE_FORMAT)


def format_datetime(at: datetime | None, market_or_zone) -> str:
    """'5/31/2026, 2:14 PM' in the market's time zone."""
    if at is None:
        return ""
    return to_market_time(at, market_or_zone).strftime(DATETIME_FORMAT)

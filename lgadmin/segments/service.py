"""Saving, finding and previewing a market's segments."""

from dataclasses import dataclass

from sqlalchemy import String, cast, select

from ..audit.service import record
from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..tenancy import NotInMarket, belongs_to, in_market, of_market, select_in_market
from ..timeutil import utcnow
from ..urls import parse_id
from .criteria import Criteria, describe, parse_criteria
from .grid import count_customers, customer_filter, customer_page
from .models import Segment

PREVIEW_ROWS = 20
MAX_NAME = 120
MAX_DESCRIPTION = 1000


class SegmentError(ValueError):
    """Refused input, with the field it belongs beside."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class Preview:
    count: int
    rows: list


def market_segments(market: Market) -> list[Segment]:
    return db.session.scalars(
        select_in_market(Segment, market).order_by(Segment.name, Segment.id)
    ).all()


def pickup_ids(market: Market) -> set[int]:
    return set(db.session.scalars(select_in_market(PickupLocation, market, PickupLocation.id)))


def read_criteria(market: Market, data) -> Criteria:
    """Criteria from a form or URL, pickup locations checked against the market's own."""
    return parse_criteria(data, pickup_ids(market))


def save_segment(
    manager, market: Market, name: str, description: str, criteria: Criteria, segment=None
) -> Segment:
    """Create (or, given `segment`, change) a segment; SegmentError says what to fix where."""
    name, description = (name or "").strip(), (description or "").strip()
    errors = dict(criteria.errors)
    if not name:
        errors["name"] = "Give the segment a name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Keep the name under {MAX_NAME} characters."
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Keep the description under {MAX_DESCRIPTION:,} characters."
    if criteria.is_empty and not errors:
        errors["criteria"] = "Choose at least one criterion: a segment of everyone is the grid."
    if errors:
        raise SegmentError(errors)
    created = segment is None
    if created:
        segment = Segment(market_id=market.id, created_by_id=manager.id)
        db.session.add(segment)
    elif not belongs_to(segment, market):
        raise NotInMarket("segment of another market")
    segment.name, segment.description = name, description
    segment.criteria = dict(criteria.raw)
    segment.updated_at = utcnow()
    db.session.flush()
    record(
        manager,
        market.id,
        "segment.created" if created else "segment.changed",
        segment,
        f"Segment “{name}”: {'; '.join(describe(criteria.values, market.currency))}",
    )
    return segment


def delete_segment(manager, market: Market, segment: Segment) -> None:
    if not belongs_to(segment, market):
        raise NotInMarket("segment of another market")
    record(manager, market.id, "segment.deleted", segment, f"Segment “{segment.name}” deleted")
    db.session.delete(segment)


def segment_criteria(segment: Segment) -> Criteria:
    """A saved segment's criteria, read again (the pickup check was done when saved)."""
    return parse_criteria(segment.criteria or {})


def preview(market: Market, criteria: Criteria, limit: int = PREVIEW_ROWS) -> Preview:
    """How many customers match and the first `limit` of them, by last name."""
    page = customer_page(
        market, criteria=criteria.values, page_size=limit, exact_count=True, sort="last_name"
    )
    return Preview(page.count, page.rows)


def segment_where(market: Market, criteria: Criteria):
    """The where-clause of a segment's customers (market-scoped), for exports and campaigns."""
    if not criteria.is_valid or criteria.is_empty:
        raise SegmentError(criteria.errors or {"criteria": "This segment has no criteria."})
    return customer_filter(market, [], False, criteria.values)


def segment_with_pickup_name(market: Market, segment_id) -> tuple[Segment, str | None] | None:
    """The segment and the name of its pickup-location criterion, in one statement."""
    pk = parse_id(segment_id)
    if pk is None:
        return None
    pickup_name = (
        select(PickupLocation.name)
        .where(
            of_market(PickupLocation, Segment.market_id),
            cast(PickupLocation.id, String) == Segment.criteria["pickup_location"].as_string(),
        )
        .scalar_subquery()
    )
    row = db.session.execute(
        in_market(select(Segment, pickup_name).where(Segment.id == pk), Segment, market)
    ).first()
    return (row[0], row[1]) if row else None


def pickup_name(market: Market, pickup_id: int) -> str | None:
    return db.session.scalar(
        select_in_market(PickupLocation, market, PickupLocation.name).where(
            PickupLocation.id == pickup_id
        )
    )


def count_matching(market: Market, criteria: Criteria) -> int:
    """How many of the market's customers the criteria match today."""
    return count_customers(customer_filter(market, [], False, criteria.values), cap=None)[0]

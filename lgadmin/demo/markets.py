"""The two demo markets: one with membership, trial orders and pickup locations, one without."""

from dataclasses import dataclass

from ..extensions import db
from ..markets.models import Market, PickupLocation
from ..staff.roles import StaffRole


@dataclass
class MarketPlan:
    slug: str
    name: str
    timezone: str
    membership_required: bool
    trial_orders: int
    pickups: tuple[str, ...]
    manager: tuple[str, str, str]
    shopper: tuple[str, str, str]
    staff: tuple[str, str, str] = ("", "", "")
    staff_role: StaffRole = StaffRole.BOOKKEEPER


MARKETS = (
    MarketPlan(
        "athens",
        "Athens Locally Grown",
        "America/New_York",
        True,
        3,
        ("Downtown Pavilion", "Eastside Co-op", "Five Points Library"),
        ("Maria", "Lopez", "manager@athens.example.org"),
        ("Sam", "Shopper", "shopper@athens.example.org"),
        ("Bea", "Bookkeeper", "staff@athens.example.org"),
        StaffRole.BOOKKEEPER,
    ),
    MarketPlan(
        "riverside",
        "Riverside Food Hub",
        "America/Chicago",
        False,
        0,
        (),
        ("Dana", "Whitfield", "manager@riverside.example.org"),
        ("Pat", "Buyer", "shopper@riverside.example.org"),
        ("Sue", "Support", "staff@riverside.example.org"),
        StaffRole.CUSTOMER_SUPPORT,
    ),
)


def new_market(plan: MarketPlan) -> tuple[Market, list[PickupLocation]]:
    """Add the market of a plan and its pickup locations."""
    market = Market(
        slug=plan.slug,
        name=plan.name,
        timezone=plan.timezone,
        currency="USD",
        membership_required=plan.membership_required,
        membership_price_cents=2500,
        trial_orders_allowed=plan.trial_orders,
        pickup_locations_enabled=bool(plan.pickups),
        # The features of issue 11: loyalty points on both, sign-in links at one.
        loyalty_enabled=True,
        loyalty_points_per_unit=1 if plan.membership_required else 2,
        sign_in_link_enabled=plan.membership_required,
    )
    db.session.add(market)
    db.session.flush()
    pickups = [PickupLocation(market_id=market.id, name=name) for name in plan.pickups]
    db.session.add_all(pickups)
    return market, pickups

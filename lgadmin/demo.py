"""Demo data: two markets with customers in every state spec 000 describes."""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from .accounts.models import Account, Comment, LinePosition
from .accounts.passwords import hash_password
from .addresses.models import Address
from .balance.service import adjust_balance
from .catalog.models import GrowerApproval, GrowerProfile, Product
from .extensions import db
from .groups.models import CustomerGroup
from .loyalty.models import LoyaltyKind
from .loyalty.service import enroll, record_points
from .markets.models import Market, PickupLocation
from .membership.service import grant_trial_orders
from .merge.demo import seed_duplicates
from .onboarding.guests import place_guest_order
from .orders.models import CartItem, PaymentChoice
from .orders.service import apply_payment_to_open_orders, place_order
from .payments.models import PaymentMethod
from .privacy.models import DataRequest, DataRequestKind
from .staff.roles import StaffRole
from .timeutil import market_today, utcnow

FIRST_NAMES = [
    "Robert",
    "Roberta",
    "Robin",
    "Rob",
    "Mary",
    "Maria",
    "James",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chris",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Dorothy",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Timothy",
    "Deborah",
    "Ronald",
    "Stephanie",
    "Edward",
    "Rebecca",
    "Jason",
    "Sharon",
    "Jeffrey",
    "Laura",
    "Ryan",
    "Cynthia",
    "Jacob",
    "Kathleen",
    "Gary",
    "Amy",
    "Nicholas",
    "Angela",
    "Eric",
    "Shirley",
    "Jonathan",
    "Anna",
    "Chloé",
    "José",
    "Zoë",
    "Renée",
    "Siobhán",
    "Björn",
    "Ana-Lucía",
    "Mei",
    "Hiroshi",
    "Aisha",
    "Kwame",
    "Priya",
    "Mateo",
    "Ingrid",
    "Tomás",
    "Noor",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "O'Brien",
    "O'Connor",
    "McAllister",
    "Dubois",
    "Müller",
    "Kowalski",
    "Okafor",
    "Nakamura",
    "Lindqvist",
    "Fitzgerald-Hayes",
    "van",
    "der",
    "Berg",
    "Castillo",
    "Robertson",
    "Robles",
    "Ashworth",
    "Whitfield",
]
DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
    "aol.com",
    "comcast.net",
    "protonmail.com",
    "hotmail.co.uk",
    "fastmail.com",
)
STREETS = (
    "Oak St",
    "Maple Ave",
    "Prince Ave",
    "Milledge Ave",
    "Pulaski St",
    "Hill St",
    "Riverside Dr",
    "College Ave",
    "Church St",
    "Barber St",
    "Broad St",
    "Lumpkin St",
)
PRODUCTS = (
    ("Heirloom tomatoes", "lb", 450),
    ("Pasture-raised eggs", "dozen", 650),
    ("Salad mix", "bag", 500),
    ("Sourdough loaf", "each", 800),
    ("Raw honey", "jar", 1200),
    ("Sweet potatoes", "lb", 250),
    ("Goat cheese", "4 oz", 700),
    ("Kale", "bunch", 350),
    ("Shiitake mushrooms", "half lb", 900),
    ("Grass-fed ground beef", "lb", 1000),
    ("Strawberries", "quart", 600),
    ("Pecans", "lb", 1400),
    ("Collard greens", "bunch", 300),
    ("Apple butter", "jar", 750),
    ("Cut flowers", "bouquet", 1500),
)
GROWER_NAMES = (
    "Sunny Hollow Farm",
    "Mossy Creek Gardens",
    "Red Clay Acres",
    "Two Oaks Dairy",
    "Bee Happy Apiary",
    "Oconee Mushroom Co.",
    "Little Fork Orchard",
    "Cedar Bend Ranch",
    "Wildflower Bakery",
    "Broad River Greens",
)

DEMO_PASSWORD = "LocalFood1"


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
SUPERUSER_EMAIL = "superuser@example.org"


def seed_demo_data(customers: int = 300, password: str = DEMO_PASSWORD) -> list[str]:
    """Fill an empty database; on a database that has the demo already, change nothing.

    Returns the `login: ...` lines to print.
    """
    password_hash = hash_password(password)
    superuser = db.session.scalars(
        select(Account).where(Account.email == SUPERUSER_EMAIL, Account.is_superuser.is_(True))
    ).first()
    if superuser is None:
        db.session.add(
            Account(
                email=SUPERUSER_EMAIL,
                first_name="Platform",
                last_name="Staff",
                is_superuser=True,
                password_hash=password_hash,
            )
        )
    lines = [f"login: superuser - {SUPERUSER_EMAIL} /sign-in"]
    for index, plan in enumerate(MARKETS):
        market = db.session.scalars(select(Market).where(Market.slug == plan.slug)).first()
        if market is None:
            _build_market(plan, customers, password_hash, random.Random(index + 2026))
        lines.append(f"login: manager {plan.slug} {plan.manager[2]} /m/{plan.slug}/sign-in")
        lines.append(f"login: shopper {plan.slug} {plan.shopper[2]} /m/{plan.slug}/sign-in")
        lines.append(f"login: staff {plan.slug} {plan.staff[2]} /m/{plan.slug}/sign-in")
    db.session.commit()
    return lines


def _build_market(plan: MarketPlan, customers: int, password_hash: str, rng: random.Random):
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
    manager = _account(
        market, *plan.manager, password_hash=password_hash, is_manager=True, joined_days_ago=900
    )
    shopper = _account(market, *plan.shopper, password_hash=password_hash, joined_days_ago=200)
    _account(
        market,
        *plan.staff,
        password_hash=password_hash,
        joined_days_ago=400,
        staff_role=plan.staff_role,
    )
    groups = [
        CustomerGroup(market_id=market.id, name="Restaurants", discount_percent=Decimal(10)),
        CustomerGroup(market_id=market.id, name="Volunteers", discount_percent=Decimal("5")),
    ]
    db.session.add_all(groups)
    db.session.flush()
    products = _growers_and_products(market, manager, password_hash, rng)
    accounts = [shopper] + [
        _random_customer(market, pickups, password_hash, rng, n) for n in range(customers)
    ]
    db.session.flush()
    for account in accounts:
        _account_extras(market, account, groups, rng)
        _history(market, account, manager, products, rng)
    _guests(market, products, rng)
    seed_duplicates(market, manager, products, password_hash)
    _data_requests(market, accounts[1:], rng)
    db.session.flush()


def _data_requests(market, customers, rng) -> None:
    """Two shoppers who asked for a copy of their data: so the Data requests screen has work."""
    for customer in rng.sample([c for c in customers if c.active], 2):
        db.session.add(
            DataRequest(
                market_id=market.id,
                account_id=customer.id,
                kind=DataRequestKind.EXPORT,
                requested_at=utcnow() - timedelta(days=rng.randint(1, 9)),
            )
        )


def _account(market, first, last, email, *, password_hash, joined_days_ago, **flags) -> Account:
    flags.setdefault("email_verified_at", utcnow() - timedelta(days=joined_days_ago))
    account = Account(
        market_id=market.id,
        first_name=first,
        last_name=last,
        email=email.lower(),
        password_hash=password_hash,
        joined_at=utcnow() - timedelta(days=joined_days_ago),
        **flags,
    )
    grant_trial_orders(account, market)
    if market.membership_required and not flags.get("is_manager"):
        account.membership_expires_on = market_today(market) + timedelta(days=180)
    db.session.add(account)
    return account


def _growers_and_products(market, manager, password_hash, rng) -> list[Product]:
    products = []
    for n, grower_name in enumerate(rng.sample(GROWER_NAMES, 6)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        owner = _account(
            market,
            first,
            last,
            f"grower{n + 1}@{market.slug}-farms.example.org",
            password_hash=password_hash,
            joined_days_ago=rng.randint(300, 1500),
        )
        owner.phone = f"+1 706-555-{rng.randint(1000, 9999)}"
        approval = GrowerApproval.PENDING if n == 5 else GrowerApproval.APPROVED
        grower = GrowerProfile(
            market_id=market.id,
            account=owner,
            name=grower_name,
            approval=approval,
            balance_cents=rng.randint(0, 90000),
        )
        db.session.add(grower)
        for name, unit, price in rng.sample(PRODUCTS, 4):
            products.append(
                Product(
                    market_id=market.id,
                    grower=grower,
                    name=name,
                    unit=unit,
                    price_cents=price,
                    active=rng.random() > 0.1,
                )
            )
    db.session.add_all(products)
    db.session.flush()
    return [p for p in products if p.active]


def _random_customer(market, pickups, password_hash, rng, n) -> Account:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
    local = local.encode("ascii", "ignore").decode() or "customer"
    account = Account(
        market_id=market.id,
        first_name=first,
        last_name=last,
        email=f"{local}{n}@{rng.choice(DOMAINS)}",
        phone=f"+1 706-555-{rng.randint(1000, 9999)}" if rng.random() < 0.8 else "",
        address_line1=f"{rng.randint(10, 2999)} {rng.choice(STREETS)}",
        city="Athens" if market.slug == "athens" else "Riverside",
        region="GA" if market.slug == "athens" else "IL",
        postal_code=f"{rng.randint(10000, 99999):05d}" if rng.random() > 0.05 else "00601",
        password_hash=password_hash,
        joined_at=utcnow() - timedelta(days=rng.randint(0, 1800), minutes=rng.randint(0, 1440)),
        is_manager=rng.random() < 0.01,
        is_volunteer=rng.random() < 0.06,
        is_wholesale=rng.random() < 0.04,
        receives_mailings=rng.random() > 0.1,
        active=rng.random() > 0.07,
        line_position=rng.choices(list(LinePosition), weights=(3, 94, 3))[0],
    )
    grant_trial_orders(account, market)
    if pickups:
        account.pickup_location_id = rng.choice(pickups).id if rng.random() > 0.2 else None
    if market.membership_required:
        roll = rng.random()
        if roll < 0.75:
            # Members, current or lapsed, used their trial orders before they joined.
            account.trial_orders_left = 0
            days = rng.randint(1, 365) if roll < 0.5 else -rng.randint(1, 700)
            account.membership_expires_on = market_today(market) + timedelta(days=days)
        else:
            # Shoppers still on trial: in turn all, some and none of them left.
            account.trial_orders_left -= n % (market.trial_orders_allowed + 1)
    db.session.add(account)
    return account


def _history(market, account, manager, products, rng) -> None:
    """Orders, payments, cards, a cart and comments, all through the ledger."""
    now = utcnow()
    if rng.random() < 0.3:
        db.session.add(
            PaymentMethod(
                account_id=account.id,
                stripe_payment_method_id=f"pm_demo_{market.slug}_{account.id}",
                brand=rng.choice(("visa", "mastercard", "amex", "discover")),
                last4=f"{rng.randint(0, 9999):04d}",
                exp_month=rng.randint(1, 12),
                exp_year=utcnow().year + rng.randint(-1, 4),
                is_default=True,
            )
        )
    if rng.random() < 0.35:
        adjust_balance(
            account.id,
            rng.choice((2000, 2500, 5000, 10000)),
            rng.choice(("cash", "check")),
            "",
            manager,
            at=now - timedelta(days=rng.randint(60, 400)),
        )
    for _ in range(rng.choices((0, 1, 2, 4, 8), weights=(25, 25, 20, 20, 10))[0]):
        lines = [(p, Decimal(rng.randint(1, 3))) for p in rng.sample(products, rng.randint(1, 4))]
        choice = rng.choices(list(PaymentChoice), weights=(5, 3, 2))[0]
        at = now - timedelta(days=rng.randint(1, 360), minutes=rng.randint(0, 900))
        order = place_order(account, lines, choice, at=at)
        if choice == PaymentChoice.CARD:  # the demo's card orders were charged when placed
            order.amount_due_cents, order.paid_at = 0, order.placed_at
    if account.balance_cents < 0 and rng.random() < 0.5:
        adjust_balance(
            account.id,
            -account.balance_cents,
            "cash",
            "Paid at pickup",
            manager,
            pay_orders=apply_payment_to_open_orders,
            at=now - timedelta(hours=rng.randint(1, 48)),
        )
    if rng.random() < 0.05:
        adjust_balance(account.id, 500, "promo", "Welcome back credit", manager)
    if rng.random() < 0.15:
        for product in rng.sample(products, rng.randint(1, 3)):
            db.session.add(
                CartItem(
                    account_id=account.id,
                    product_id=product.id,
                    quantity=Decimal(rng.randint(1, 4)),
                )
            )
    if rng.random() < 0.08:
        db.session.add(
            Comment(
                market_id=market.id,
                account_id=account.id,
                author_id=manager.id,
                body=rng.choice(
                    (
                        "Prefers text messages.",
                        "Allergic to nuts.",
                        "Picks up for her neighbor on Thursdays.",
                    )
                ),
            )
        )
    if not account.receives_mailings and rng.random() < 0.5:
        account.email_bounced_at = now - timedelta(days=12)
        db.session.add(
            Comment(
                market_id=market.id,
                account_id=account.id,
                is_system=True,
                created_at=account.email_bounced_at,
                body=f"Hard bounce on {account.email_bounced_at:%-m/%-d/%Y}. "
                "Disabling email notifications. Reason: mailbox full.",
            )
        )


def _account_extras(market, account, groups, rng) -> None:
    """Verified or not, a group, tax exemption, an address book and a loyalty account."""
    if account.email_verified_at is None and rng.random() < 0.85:
        account.email_verified_at = account.joined_at
    if rng.random() < 0.08:
        account.customer_group_id = rng.choice(groups).id
    if rng.random() < 0.03:
        account.tax_exempt = True
        account.vat_id = f"US{rng.randint(10_000_000, 99_999_999)}"
    if account.address_line1:
        db.session.add(
            Address(
                market_id=market.id,
                account_id=account.id,
                line1=account.address_line1,
                city=account.city,
                region=account.region,
                postal_code=account.postal_code,
                is_default_billing=True,
                is_default_shipping=True,
            )
        )
        if rng.random() < 0.15:
            db.session.add(
                Address(
                    market_id=market.id,
                    account_id=account.id,
                    label="Work",
                    line1=f"{rng.randint(1, 400)} {rng.choice(STREETS)}",
                    city=account.city,
                    region=account.region,
                    postal_code=account.postal_code,
                )
            )
    if rng.random() < 0.2:
        enroll(account)  # the rest are enrolled by their first order
        if rng.random() < 0.5:
            record_points(account.id, rng.choice((25, 50, 100)), LoyaltyKind.BONUS, "Welcome bonus")


def _guests(market, products, rng) -> None:
    """A few orders placed with an email and no account, as a host storefront may allow."""
    for n in range(4):
        lines = [(p, Decimal(1)) for p in rng.sample(products, 2)]
        at = utcnow() - timedelta(days=rng.randint(1, 90))
        place_guest_order(
            market,
            f"guest{n + 1}@{market.slug}-visitors.example.org",
            lines,
            first_name=rng.choice(FIRST_NAMES),
            payment_choice=PaymentChoice.CARD,
            at=at,
        )

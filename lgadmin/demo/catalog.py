"""The demo's growers and their products: six growers a market, one still waiting for approval."""

from ..catalog.models import GrowerApproval, GrowerProfile, Product
from ..extensions import db
from .accounts import login_account
from .names import FIRST_NAMES, LAST_NAMES

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


def growers_and_products(market, password_hash, rng) -> list[Product]:
    """Add the growers and four products each; returns the products on sale (nine in ten)."""
    products = []
    for n, grower_name in enumerate(rng.sample(GROWER_NAMES, 6)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        owner = login_account(
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

"""Demo data: two markets with customers in every state spec 000 describes.

The demo is composition: it may seed every domain and no domain imports it. This module holds
the entry point (`flask lgadmin demo-data`, `make run`) and the order of the steps; each domain's
part is in the module of the same name. Every market draws from its own seeded random numbers,
so the steps run in a fixed order: reordering them changes the data.
"""

import random

from sqlalchemy import select

from ..accounts.passwords import hash_password
from ..extensions import db
from ..markets.models import Market
from ..timeutil import utcnow
from .accounts import (
    SUPERUSER_EMAIL,
    account_flags,
    ensure_superuser,
    login_account,
    manager_note,
    random_customer,
)
from .addresses import address_book
from .catalog import growers_and_products
from .deliverability import hard_bounce
from .groups import customer_groups
from .loyalty import loyalty_account
from .markets import MARKETS, MarketPlan, new_market
from .merge import seed_duplicates
from .orders import guest_orders, order_history
from .payments import saved_card
from .privacy import data_requests

DEMO_PASSWORD = "LocalFood1"


def seed_demo_data(customers: int = 300, password: str = DEMO_PASSWORD) -> list[str]:
    """Fill an empty database; on a database that has the demo already, change nothing.

    Returns the `login: ...` lines to print.
    """
    password_hash = hash_password(password)
    ensure_superuser(password_hash)
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
    market, pickups = new_market(plan)
    manager = login_account(
        market, *plan.manager, password_hash=password_hash, is_manager=True, joined_days_ago=900
    )
    shopper = login_account(market, *plan.shopper, password_hash=password_hash, joined_days_ago=200)
    login_account(
        market,
        *plan.staff,
        password_hash=password_hash,
        joined_days_ago=400,
        staff_role=plan.staff_role,
    )
    groups = customer_groups(market)
    products = growers_and_products(market, password_hash, rng)
    accounts = [shopper] + [
        random_customer(market, pickups, password_hash, rng, n) for n in range(customers)
    ]
    db.session.flush()
    for account in accounts:
        account_flags(account, groups, rng)
        address_book(market, account, rng)
        loyalty_account(account, rng)
        now = utcnow()
        saved_card(market, account, rng)
        order_history(account, manager, products, rng, now)
        manager_note(market, account, manager, rng)
        hard_bounce(market, account, rng, now)
    guest_orders(market, products, rng)
    seed_duplicates(market, manager, products, password_hash)
    data_requests(market, accounts[1:], rng)
    db.session.flush()

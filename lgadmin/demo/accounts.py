"""The demo's accounts: the platform superuser, each market's logins and its customers in every
state spec 000 describes, with their flags and the managers' notes."""

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Account, Comment, LinePosition
from ..extensions import db
from ..membership.service import grant_trial_orders
from ..timeutil import market_today, utcnow
from .names import DOMAINS, FIRST_NAMES, LAST_NAMES, STREETS

SUPERUSER_EMAIL = "superuser@example.org"


def ensure_superuser(password_hash: str) -> None:
    """Add the platform's superuser unless the database has it already."""
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


def login_account(
    market, first, last, email, *, password_hash, joined_days_ago, **flags
) -> Account:
    """A verified account someone signs in with (manager, shopper, staff, grower)."""
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


def random_customer(market, pickups, password_hash, rng, n) -> Account:
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


def account_flags(account, groups, rng) -> None:
    """Verified or not, a group and tax exemption."""
    if account.email_verified_at is None and rng.random() < 0.85:
        account.email_verified_at = account.joined_at
    if rng.random() < 0.08:
        account.customer_group_id = rng.choice(groups).id
    if rng.random() < 0.03:
        account.tax_exempt = True
        account.vat_id = f"US{rng.randint(10_000_000, 99_999_999)}"


def manager_note(market, account, manager, rng) -> None:
    """About one customer in twelve has a note from the manager."""
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

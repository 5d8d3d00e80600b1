"""Demo duplicates: a few customers of each market who signed up twice."""

from datetime import timedelta
from decimal import Decimal

from ..accounts.models import Account
from ..balance.service import adjust_balance
from ..extensions import db
from ..membership.service import grant_trial_orders
from ..orders.models import PaymentChoice
from ..orders.service import place_order
from ..timeutil import market_today, utcnow

# (first, last, email, phone, days since joining); an email with {slug} gets the market's.
DUPLICATE_PAIRS = (
    # The same Gmail mailbox, once with dots and a +tag: "Same email" (and a near name).
    (
        ("Robert", "Smith", "robert.smith@gmail.com", "+1 706-555-0101", 700),
        ("Rob", "Smith", "Robert.Smith+{slug}@gmail.com", "", 40),
    ),
    # One household phone, two spellings of the name: "Same phone".
    (
        ("Jennifer", "Okafor", "jen.okafor@yahoo.com", "+1 706-555-0142", 500),
        ("Jen", "Okafor-Hill", "jokafor@outlook.com", "(706) 555-0142", 90),
    ),
    # The same first and last name, different addresses: "Same name".
    (
        ("Tom", "Baker", "tom.baker@fastmail.com", "", 300),
        ("Tom", "Baker", "tbaker@comcast.net", "", 12),
    ),
)


def seed_duplicates(market, manager, products, password_hash: str) -> list[Account]:
    """Add the duplicate pairs to a new market, each account with a payment and an order."""
    accounts = []
    for pair in DUPLICATE_PAIRS:
        for n, (first, last, email, phone, days) in enumerate(pair):
            account = Account(
                market_id=market.id,
                first_name=first,
                last_name=last,
                email=email.format(slug=market.slug).lower(),
                phone=phone,
                password_hash=password_hash,
                joined_at=utcnow() - timedelta(days=days),
                email_verified_at=utcnow() - timedelta(days=days),
                receives_mailings=n == 0,
            )
            grant_trial_orders(account, market)
            if market.membership_required:
                account.membership_expires_on = market_today(market) + timedelta(days=30 + 150 * n)
            db.session.add(account)
            db.session.flush()
            adjust_balance(
                account.market,
                account.id,
                2500 * (n + 1),
                "cash",
                "",
                manager,
                at=utcnow() - timedelta(days=days // 2 + 1),
            )
            lines = [(products[(len(accounts) + i) % len(products)], Decimal(1)) for i in range(2)]
            place_order(account, lines, PaymentChoice.BALANCE, at=utcnow() - timedelta(days=n + 1))
            accounts.append(account)
    return accounts

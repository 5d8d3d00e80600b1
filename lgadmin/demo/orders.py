"""The demo's orders and what they leave behind: deposits, payments at pickup, credits, carts,
and a few guest orders. Everything goes through the ledger."""

from datetime import timedelta
from decimal import Decimal

from ..balance.service import adjust_balance
from ..extensions import db
from ..onboarding.guests import place_guest_order
from ..orders.models import CartItem, PaymentChoice
from ..orders.service import apply_payment_to_open_orders, place_order
from ..timeutil import utcnow
from .names import FIRST_NAMES


def order_history(account, manager, products, rng, now) -> None:
    """A deposit, up to eight orders, settling up at pickup, a credit and a cart, each by chance."""
    if rng.random() < 0.35:
        adjust_balance(
            account.market,
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
            account.market,
            account.id,
            -account.balance_cents,
            "cash",
            "Paid at pickup",
            manager,
            pay_orders=apply_payment_to_open_orders,
            at=now - timedelta(hours=rng.randint(1, 48)),
        )
    if rng.random() < 0.05:
        adjust_balance(account.market, account.id, 500, "promo", "Welcome back credit", manager)
    if rng.random() < 0.15:
        for product in rng.sample(products, rng.randint(1, 3)):
            db.session.add(
                CartItem(
                    account_id=account.id,
                    product_id=product.id,
                    quantity=Decimal(rng.randint(1, 4)),
                )
            )


def guest_orders(market, products, rng) -> None:
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

"""The demo's saved cards: about three customers in ten have one."""

from ..extensions import db
from ..payments.models import PaymentMethod
from ..timeutil import utcnow


def saved_card(market, account, rng) -> None:
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

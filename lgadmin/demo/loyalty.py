"""The demo's loyalty accounts: a fifth of the customers enrolled before their first order."""

from ..loyalty.models import LoyaltyKind
from ..loyalty.service import enroll, record_points


def loyalty_account(account, rng) -> None:
    if rng.random() < 0.2:
        enroll(account)  # the rest are enrolled by their first order
        if rng.random() < 0.5:
            record_points(account.id, rng.choice((25, 50, 100)), LoyaltyKind.BONUS, "Welcome bonus")

"""The demo's address books: the address a customer signed up with, and sometimes a second."""

from ..addresses.models import Address
from ..extensions import db
from .names import STREETS


def address_book(market, account, rng) -> None:
    if not account.address_line1:
        return
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

"""The address book: several addresses per account, one default billing and one default
shipping (delivery) address. The account's own address columns (spec 000's mailing
address, shown and edited on the details page) mirror the default shipping address.
"""

from sqlalchemy import select, update

from ..accounts.locks import lock_account
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from .models import Address

FIELDS = {
    "label": 40,
    "recipient": 160,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
    "country": 2,
}
REQUIRED = {
    "line1": "Enter the street address.",
    "city": "Enter the town or city.",
    "postal_code": "Enter the postcode or ZIP.",
}
# The account's address columns and the address-book fields they mirror.
MAILING_COLUMNS = {
    "address_line1": "line1",
    "address_line2": "line2",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
}


class AddressError(ValueError):
    """Some fields are wrong; `problems` maps each field to what is wrong."""

    def __init__(self, problems: dict):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def clean_address(values: dict) -> dict:
    """Trimmed values, or AddressError naming every missing or too long field at once."""
    cleaned, problems = {}, {}
    for field, limit in FIELDS.items():
        value = " ".join(str(values.get(field) or "").split())
        if field == "country":
            value = (value or "US").upper()
            if len(value) != 2 or not value.isalpha():
                problems[field] = "Use the two-letter country code, like US."
        elif len(value) > limit:
            problems[field] = f"Keep this to {limit} characters or fewer."
        if field in REQUIRED and not value:
            problems[field] = REQUIRED[field]
        cleaned[field] = value
    if problems:
        raise AddressError(problems)
    return cleaned


def address_book(account: Account) -> list[Address]:
    """Defaults first, then in the order they were added."""
    return list(
        db.session.scalars(
            select(Address)
            .where(Address.account_id == account.id)
            .order_by(
                Address.is_default_shipping.desc(), Address.is_default_billing.desc(), Address.id
            )
        )
    )


def address_of(account: Account, address_id) -> Address | None:
    """One of `account`'s own addresses, or None (an id of anyone else's is no address)."""
    try:
        pk = int(address_id)
    except (TypeError, ValueError):
        return None
    address = db.session.get(Address, pk)
    return address if address is not None and address.account_id == account.id else None


def save_address(
    account: Account,
    actor: Account,
    values: dict,
    *,
    address: Address | None = None,
    default_billing: bool = False,
    default_shipping: bool = False,
) -> Address:
    """Add an address to the book or change one; the caller commits.

    The first address becomes both defaults. Making an address a default takes
    that default from the other addresses, under the account's row lock. The account's
    version moves on (its mailing address may have changed), so a form opened before, by
    a manager or by the shopper, is refused rather than saved over this change.
    """
    cleaned = clean_address(values)
    lock_account(account.id)
    _adopt_mailing_address(account)
    first = not address_book(account) if address is None else False
    if address is None:
        address = Address(market_id=account.market_id, account_id=account.id, **cleaned)
        db.session.add(address)
    else:
        for field, value in cleaned.items():
            setattr(address, field, value)
    db.session.flush()
    if default_billing or first:
        _make_default(account, address, "is_default_billing")
    if default_shipping or first:
        _make_default(account, address, "is_default_shipping")
    mirror_default_shipping(account)
    account.version += 1
    record(
        actor,
        account.market_id,
        "address.saved",
        account,
        f"Saved the address {address.one_line()} of {account.email}",
        address_id=address.id,
    )
    return address


def delete_address(account: Account, actor: Account, address: Address) -> None:
    """Remove an address; a default passes to the oldest remaining address. The account's
    version moves on, as for `save_address`."""
    lock_account(account.id)
    was_billing, was_shipping = address.is_default_billing, address.is_default_shipping
    db.session.delete(address)
    db.session.flush()
    rest = address_book(account)
    if rest:
        oldest = min(rest, key=lambda a: a.id)
        if was_billing and not any(a.is_default_billing for a in rest):
            oldest.is_default_billing = True
        if was_shipping and not any(a.is_default_shipping for a in rest):
            oldest.is_default_shipping = True
    mirror_default_shipping(account)
    account.version += 1
    record(
        actor,
        account.market_id,
        "address.deleted",
        account,
        f"Removed the address {address.one_line()} of {account.email}",
    )


def _make_default(account: Account, address: Address, flag: str) -> None:
    db.session.execute(
        update(Address)
        .where(Address.account_id == account.id, Address.id != address.id)
        .values({flag: False})
    )
    setattr(address, flag, True)
    db.session.flush()


def default_shipping(account: Account) -> Address | None:
    return db.session.scalars(
        select(Address).where(Address.account_id == account.id, Address.is_default_shipping)
    ).first()


def mirror_default_shipping(account: Account) -> None:
    """Copy the default shipping address into the account's address columns."""
    address = default_shipping(account)
    for column, field in MAILING_COLUMNS.items():
        setattr(account, column, getattr(address, field) if address else "")


def _adopt_mailing_address(account: Account) -> None:
    """An account made with an address but no book yet gets that address as its first entry."""
    if account.address_line1 and not address_book(account):
        db.session.add(
            Address(
                market_id=account.market_id,
                account_id=account.id,
                line1=account.address_line1,
                line2=account.address_line2,
                city=account.city,
                region=account.region,
                postal_code=account.postal_code,
                country=account.country or "US",
                is_default_billing=True,
                is_default_shipping=True,
            )
        )
        db.session.flush()


def mailing_address_edited(account: Account) -> None:
    """Edit Customer Info changed the address columns: carry that into the default
    shipping address (creating it when the book is empty)."""
    address = default_shipping(account)
    if address is None:
        if account.address_line1:
            _adopt_mailing_address(account)
        return
    if not account.address_line1:
        address.is_default_shipping = False  # cleared: the address stays in the book
        return
    for column, field in MAILING_COLUMNS.items():
        setattr(address, field, getattr(account, column))

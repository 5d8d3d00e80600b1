"""Customer groups with a discount (spec 004), and the discount they give at checkout."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import func, select, update

from ..accounts.models import Account
from ..accounts.versions import check_version
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..tenancy import find_in_market, of_market
from .models import CustomerGroup

MAX_NAME = 80


class GroupError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def format_percent(value) -> str:
    """12.50 as "12.5", 10.00 as "10" (Decimal.normalize alone would give "1E+1")."""
    return f"{Decimal(value).normalize():f}" if value is not None else ""


def parse_discount(text) -> Decimal:
    """A discount percentage from 0 to 100, with at most two decimals ("12.5", "10%")."""
    cleaned = str(text if text is not None else "").strip().rstrip("%").strip()
    if not cleaned:
        raise GroupError("discount_percent", "Enter a discount from 0 to 100 %.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise GroupError(
            "discount_percent", "Enter the discount as a number, like 10 or 12.5."
        ) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise GroupError("discount_percent", "The discount must be between 0 and 100 %.")
    if value != value.quantize(Decimal("0.01")):
        raise GroupError("discount_percent", "Use at most two decimals.")
    return value.quantize(Decimal("0.01"))


def _clean_name(market: Market, name: str, group_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise GroupError("name", "Enter a name for the group.")
    if len(name) > MAX_NAME:
        raise GroupError("name", f"Keep the name to {MAX_NAME} characters or fewer.")
    clash = db.session.scalars(
        select(CustomerGroup.id).where(
            of_market(CustomerGroup, market),
            func.lower(CustomerGroup.name) == name.lower(),
            CustomerGroup.id != (group_id or 0),
        )
    ).first()
    if clash:
        raise GroupError("name", "Another group of this market already has that name.")
    return name


def save_group(
    actor: Account, market: Market, name: str, discount, group: CustomerGroup | None = None
) -> CustomerGroup:
    """Create a group, or rename it / change its discount. The caller commits."""
    clean = _clean_name(market, name, group.id if group else None)
    percent = parse_discount(discount)
    created = group is None
    if created:
        group = CustomerGroup(market_id=market.id, name=clean, discount_percent=percent)
        db.session.add(group)
        db.session.flush()
    else:
        group.name, group.discount_percent = clean, percent
    record(
        actor,
        market.id,
        "group.created" if created else "group.updated",
        group,
        f"Customer group {clean}: {format_percent(percent)} % discount",
        name=clean,
        discount_percent=str(percent),
    )
    return group


def delete_group(actor: Account, market: Market, group: CustomerGroup) -> int:
    """Remove a group; its members simply belong to no group. Returns how many they were."""
    members = db.session.execute(
        update(Account)
        .where(Account.customer_group_id == group.id, of_market(Account, market))
        .values(customer_group_id=None, version=Account.version + 1)
    ).rowcount
    record(
        actor,
        market.id,
        "group.deleted",
        group,
        f"Deleted customer group {group.name} ({members} members)",
        members=members,
    )
    db.session.delete(group)
    return members


def market_groups(market: Market) -> list[tuple[CustomerGroup, int]]:
    """The market's groups by name, each with its member count."""
    members = (
        select(Account.customer_group_id, func.count().label("n"))
        .where(of_market(Account, market), Account.customer_group_id.is_not(None))
        .group_by(Account.customer_group_id)
        .subquery()
    )
    rows = db.session.execute(
        select(CustomerGroup, func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.customer_group_id == CustomerGroup.id)
        .where(of_market(CustomerGroup, market))
        .order_by(func.lower(CustomerGroup.name), CustomerGroup.id)
    ).all()
    return [(group, int(count)) for group, count in rows]


def group_discount_cents(account: Account, goods_cents: int) -> tuple[Decimal | None, int]:
    """(percent, cents) the account's group takes off `goods_cents`.

    Rounded half up to a whole cent, so a 12.5 % discount on $0.99 is 12 cents.
    """
    group = account.customer_group
    if group is None or not group.discount_percent or goods_cents <= 0:
        return None, 0
    cents = (Decimal(goods_cents) * group.discount_percent / 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return group.discount_percent, min(int(cents), goods_cents)


def update_group_and_tax(
    account: Account,
    actor: Account,
    group_id,
    tax_exempt: bool,
    vat_id: str,
    expected_version: int | None = None,
) -> list[str]:
    """The account's customer group, Tax exempt flag and VAT ID; returns what changed."""
    check_version(account, expected_version)
    group = None
    if group_id not in (None, "", "None"):
        group = find_in_market(CustomerGroup, group_id, account.market_id)
        if group is None:
            raise GroupError("customer_group_id", "Choose one of this market's customer groups.")
    vat = " ".join((vat_id or "").split()).upper()
    if len(vat) > 40:
        raise GroupError("vat_id", "Keep the VAT ID to 40 characters or fewer.")
    changed = []
    if (account.customer_group_id or None) != (group.id if group else None):
        account.customer_group_id = group.id if group else None
        changed.append(f"Customer group: {group.name if group else 'none'}")
    if bool(tax_exempt) != account.tax_exempt:
        account.tax_exempt = bool(tax_exempt)
        changed.append(f"Tax exempt {'on' if tax_exempt else 'off'}")
    if vat != account.vat_id:
        account.vat_id = vat
        changed.append(f"VAT ID: {vat or 'none'}")
    if changed:
        account.version += 1
        record(
            actor,
            account.market_id,
            "customer.group_tax_updated",
            account,
            f"{account.email}: {'; '.join(changed)}",
            changes=changed,
        )
    return changed

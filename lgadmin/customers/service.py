"""Rules for changing and deleting a customer's account."""

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, update

from ..accounts.comments import add_comment
from ..accounts.models import Account, Comment, LinePosition
from ..accounts.versions import check_version
from ..addresses.models import Address
from ..addresses.service import MAILING_COLUMNS, mailing_address_edited
from ..audit.service import record
from ..balance.models import LedgerAllocation, LedgerEntry, LedgerKind
from ..contact import (
    EMAIL_MESSAGES,
    INVALID_EMAIL,
    MISSING_EMAIL,
    PHONE_MESSAGE,
    InvalidPhone,
    email_problem,
    market_region,
    normalize_email,
    parse_phone,
)
from ..deliverability.complaints import spam_complaint_on
from ..deliverability.service import note_reenabled
from ..extensions import db
from ..loyalty.models import LoyaltyEntry
from ..onboarding.models import Token
from ..orders.models import CartItem, Order
from ..payments.models import PaymentMethod
from ..staff.roles import StaffRole
from ..tenancy import of_market


class InvalidField(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


INFO_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "pickup_location_id",
    "manager_comments",
)


def update_info(
    account: Account, actor: Account, values: dict, expected_version: int | None = None
) -> list[str]:
    """Edit Customer Info; returns the names of the fields that changed. The caller commits."""
    check_version(account, expected_version)
    values = dict(values)
    if not (values.get("last_name") or "").strip():
        raise InvalidField("last_name", "Last name is required.")
    values["email"] = normalize_email(values.get("email"))
    problem = email_problem(values["email"])
    if problem:
        # The form itself asks for a missing one; here it can only be blank spaces.
        raise InvalidField(
            "email", EMAIL_MESSAGES[problem if problem != MISSING_EMAIL else INVALID_EMAIL]
        )
    # Read in the region phones are shown in (contact.display_phone), so a number shown on
    # the form and saved again unchanged reads as the same number.
    try:
        values["phone"] = parse_phone(values.get("phone"), market_region(account.market))
    except InvalidPhone:
        raise InvalidField("phone", PHONE_MESSAGE) from None
    taken = db.session.scalar(
        select(
            exists().where(
                of_market(Account, account.market_id),
                Account.email == values["email"],
                Account.id != account.id,
            )
        )
    )
    if taken:
        raise InvalidField("email", "Another customer at this market already uses this email.")
    changed = []
    for field in INFO_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if field != "pickup_location_id":
            value = (value or "").strip()
        if getattr(account, field) != value:
            setattr(account, field, value)
            changed.append(field)
    if "email" in changed:
        account.email_verified_at = None  # the new address isn't proven yet
    if any(field in changed for field in MAILING_COLUMNS):
        mailing_address_edited(account)
    if changed:
        account.version += 1
        record(
            actor,
            account.market_id,
            "customer.info_updated",
            account,
            f"Updated {', '.join(changed)} of {account.email}",
            fields=changed,
        )
    return changed


SPECIAL_FLAGS = {
    "is_manager": "Market Manager",
    "is_volunteer": "Market Volunteer",
    "is_wholesale": "Wholesale Account",
    "receives_mailings": "Receives Mailings",
    "active": "Active Account",
}


def update_special_info(
    account: Account,
    actor: Account,
    flags: dict,
    line_position: str,
    expected_version: int | None = None,
    staff_role: str | None = None,
    complainer_agreed: bool = False,
) -> list[str]:
    """Update Special Info; returns the labels of what changed. The caller commits.

    `staff_role` None leaves the role as it is; "" takes it away. Mailings of a customer
    who reported our mail as spam come back on only with `complainer_agreed`.
    """
    check_version(account, expected_version)
    role = _staff_role(account, actor, staff_role)
    if account.id == actor.id:
        if not flags.get("is_manager", account.is_manager):
            raise InvalidField("is_manager", "You can't take away your own manager access.")
        if not flags.get("active", account.active):
            raise InvalidField("active", "You can't deactivate your own account.")
    try:
        position = LinePosition(line_position)
    except ValueError:
        raise InvalidField("line_position", "Choose a line position.") from None
    # Turning mail or the account back on is noted on the account (who re-enabled what).
    reenabled = {
        "mailings": bool(flags.get("receives_mailings")) and not account.receives_mailings,
        "account_active": bool(flags.get("active")) and not account.active,
    }
    if reenabled["mailings"] and not complainer_agreed and spam_complaint_on(account):
        raise InvalidField(
            "receives_mailings",
            "This customer reported our mail as spam. Turn mailings back on only with their "
            "clear OK: tick “They agreed to receive our emails again” and update again.",
        )
    changed = []
    # What each change was and became, for the customer's timeline.
    before_after = []
    for field, label in SPECIAL_FLAGS.items():
        if field in flags and bool(flags[field]) != getattr(account, field):
            setattr(account, field, bool(flags[field]))
            after = _on_off(flags[field])
            changed.append(f"{label} {after}")
            before_after.append(
                {"label": label, "before": _on_off(not flags[field]), "after": after}
            )
    if position != account.line_position:
        before_after.append(
            {
                "label": "Line Position",
                "before": account.line_position.label,
                "after": position.label,
            }
        )
        account.line_position = position
        changed.append(f"Line Position: {position.label}")
    if staff_role is not None and role != account.staff_role:
        before_after.append(
            {
                "label": "Staff role",
                "before": account.staff_role.label if account.staff_role else "none",
                "after": role.label if role else "none",
            }
        )
        account.staff_role = role
        changed.append(f"Staff role: {role.label if role else 'none'}")
    note_reenabled(account, actor, **reenabled)
    if changed:
        account.version += 1
        record(
            actor,
            account.market_id,
            "customer.special_info_updated",
            account,
            f"{account.email}: {'; '.join(changed)}",
            changes=changed,
            before_after=before_after,
        )
    return changed


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _staff_role(account: Account, actor: Account, raw: str | None) -> StaffRole | None:
    if raw is None:
        return account.staff_role
    if not raw:
        role = None
    else:
        try:
            role = StaffRole(raw)
        except ValueError:
            raise InvalidField("staff_role", "Choose one of the staff roles.") from None
    if role != account.staff_role:
        if account.id == actor.id:
            raise InvalidField("staff_role", "You can't change your own staff role.")
        if role is not None and (account.is_guest or not account.active):
            raise InvalidField(
                "staff_role", "Only an active, registered account can have a staff role."
            )
    return role


@dataclass
class DeletionCheck:
    allowed: bool
    reasons: list[str]


def may_delete(account: Account) -> DeletionCheck:
    """Spec 000: inactive, no orders, no prepayments. Empty carts are not orders."""
    reasons = []
    if account.active:
        reasons.append("the account is still active")
    orders = db.session.scalar(select(func.count()).where(Order.account_id == account.id))
    if orders:
        reasons.append(f"the customer has {orders} order{'s' if orders != 1 else ''}")
    prepayments = db.session.scalar(
        select(func.count()).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind == LedgerKind.PREPAYMENT
        )
    )
    if prepayments:
        reasons.append("the customer has prepayments on record")
    if account.grower is not None:
        reasons.append("the customer sells as a grower")
    if account.is_superuser:
        reasons.append("platform staff accounts can't be deleted here")
    return DeletionCheck(not reasons, reasons)


def delete_account(account: Account, actor: Account) -> None:
    """Permanently remove an account that may be deleted. The caller commits."""
    check = may_delete(account)
    if not check.allowed:
        raise InvalidField("delete", "This account can't be deleted: " + "; ".join(check.reasons))
    if account.id == actor.id:
        raise InvalidField("delete", "You can't delete your own account.")
    # What other rows say this account did stays, without the link to it.
    for column in (
        Account.created_by_id,
        LedgerEntry.created_by_id,
        Order.placed_by_id,
        LoyaltyEntry.created_by_id,
    ):
        db.session.execute(
            update(column.class_).where(column == account.id).values({column.key: None})
        )
    entry_ids = select(LedgerEntry.id).where(LedgerEntry.account_id == account.id)
    db.session.execute(delete(LedgerAllocation).where(LedgerAllocation.entry_id.in_(entry_ids)))
    db.session.execute(delete(LedgerEntry).where(LedgerEntry.account_id == account.id))
    db.session.execute(delete(CartItem).where(CartItem.account_id == account.id))
    db.session.execute(delete(Comment).where(Comment.account_id == account.id))
    db.session.execute(delete(Token).where(Token.account_id == account.id))
    db.session.execute(delete(PaymentMethod).where(PaymentMethod.account_id == account.id))
    db.session.execute(delete(LoyaltyEntry).where(LoyaltyEntry.account_id == account.id))
    db.session.execute(delete(Address).where(Address.account_id == account.id))
    record(
        actor,
        account.market_id,
        "customer.deleted",
        account,
        f"Deleted the account of {account} <{account.email}>",
        email=account.email,
        name=account.full_name,
    )
    db.session.delete(account)


def add_manager_comment(account: Account, actor: Account, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise InvalidField("body", "Write a comment first.")
    return add_comment(account, body[:4000], author=actor)

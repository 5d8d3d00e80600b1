"""Staff roles (spec 002): what each role template may see and do in the admin.

Market managers and superusers may do everything; an account with a staff role
may do only what its template lists. Every admin view and every POST action
names the permission it needs, so a role can't reach what it wasn't given.
"""

import enum
from functools import wraps

from flask import abort

from ..identity import current_account


class StaffRole(enum.StrEnum):
    CUSTOMER_SUPPORT = "customer_support"
    BOOKKEEPER = "bookkeeper"
    VOLUNTEER_DESK = "volunteer_desk"

    @property
    def label(self) -> str:
        return {
            "customer_support": "Customer support",
            "bookkeeper": "Bookkeeper",
            "volunteer_desk": "Volunteer desk",
        }[self.value]


# Everything a market manager may do, by name.
VIEW_CUSTOMERS = "view_customers"
ADD_COMMENT = "add_comment"
ADJUST_BALANCE = "adjust_balance"
ADJUST_LOYALTY = "adjust_loyalty"
BONUS_POINTS = "bonus_points"
EDIT_INFO = "edit_info"
EDIT_SPECIAL_INFO = "edit_special_info"
UPDATE_MEMBERSHIP = "update_membership"
MANAGE_ADDRESSES = "manage_addresses"
MANAGE_GROUPS = "manage_groups"
DELETE_ACCOUNT = "delete_account"
ACT_AS = "act_as"
ADD_CUSTOMERS = "add_customers"
INVITE_GUEST = "invite_guest"
EXPORT_CUSTOMERS = "export_customers"
REFRESH_PAYMENTS = "refresh_payments"
VIEW_AUDIT_LOG = "view_audit_log"
VIEW_ACT_AS_LOG = "view_act_as_log"
VIEW_MAIL_EVENTS = "view_mail_events"
MARKET_SETTINGS = "market_settings"
MANAGE_SEGMENTS = "manage_segments"
SEND_CAMPAIGNS = "send_campaigns"
# One customer's data (GDPR): a copy of it, and its erasure. Managers only.
EXPORT_CUSTOMER_DATA = "export_customer_data"
ERASE_CUSTOMERS = "erase_customers"
MERGE_CUSTOMERS = "merge_customers"
# "Send password reset link" on the details (spec 000, Troubleshooting). Managers only.
SEND_PASSWORD_RESET = "send_password_reset"
# "Refresh" beside the kept metrics cards and dashboard figures: queues their recomputation.
REFRESH_FIGURES = "refresh_figures"
# Not a permission any role holds: what a superuser-only endpoint declares (requires_superuser).
SUPERUSER = "superuser"

ALL_PERMISSIONS = frozenset(
    {
        VIEW_CUSTOMERS,
        ADD_COMMENT,
        ADJUST_BALANCE,
        ADJUST_LOYALTY,
        BONUS_POINTS,
        EDIT_INFO,
        EDIT_SPECIAL_INFO,
        UPDATE_MEMBERSHIP,
        MANAGE_ADDRESSES,
        MANAGE_GROUPS,
        DELETE_ACCOUNT,
        ACT_AS,
        ADD_CUSTOMERS,
        INVITE_GUEST,
        EXPORT_CUSTOMERS,
        REFRESH_PAYMENTS,
        VIEW_AUDIT_LOG,
        VIEW_ACT_AS_LOG,
        VIEW_MAIL_EVENTS,
        MARKET_SETTINGS,
        MANAGE_SEGMENTS,
        SEND_CAMPAIGNS,
        EXPORT_CUSTOMER_DATA,
        ERASE_CUSTOMERS,
        MERGE_CUSTOMERS,
        SEND_PASSWORD_RESET,
        REFRESH_FIGURES,
    }
)

# The role templates. Reading the customer screens (grid, details, history) is
# VIEW_CUSTOMERS; bulk exports of personal data stay with managers.
ROLE_PERMISSIONS: dict[StaffRole, frozenset[str]] = {
    StaffRole.CUSTOMER_SUPPORT: frozenset({VIEW_CUSTOMERS, ADD_COMMENT}),
    StaffRole.BOOKKEEPER: frozenset({VIEW_CUSTOMERS, ADJUST_BALANCE, ADJUST_LOYALTY}),
    StaffRole.VOLUNTEER_DESK: frozenset({VIEW_CUSTOMERS}),
}


def permissions_of(account) -> frozenset[str]:
    """What `account` may do in the admin (nothing for a shopper or an inactive account)."""
    if account is None or not getattr(account, "is_authenticated", False) or not account.active:
        return frozenset()
    if account.is_superuser or account.is_manager:
        return ALL_PERMISSIONS
    if account.staff_role is not None and account.market_id is not None:
        return ROLE_PERMISSIONS[StaffRole(account.staff_role)]
    return frozenset()


def is_staff(account) -> bool:
    """Anyone who may enter the admin: superusers, managers and staff with a role."""
    return bool(permissions_of(account))


def can(permission: str) -> bool:
    """May the signed-in account do `permission`? (Also the templates' `can`.)"""
    return permission in permissions_of(current_account)


def adjusts_own_account(actor, account_id: int) -> bool:
    """Segregation of duties: a manager or staff member never changes their own balance or
    loyalty points (another manager or a superuser does it for them)."""
    return actor is not None and actor.id == account_id and not actor.is_superuser


def requires(permission: str):
    """Refuse a view (403) to anyone whose role lacks `permission`."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not can(permission):
                abort(403, "Your staff role doesn't allow this.")
            return view(*args, **kwargs)

        # Declared for the authorisation matrix, which checks every endpoint against it.
        wrapper.required_permission = permission
        return wrapper

    return decorate


def requires_superuser(view):
    """Refuse a view (403) to anyone but a superuser: the whole act-as log, the outbox."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not (current_account.is_authenticated and current_account.is_superuser):
            abort(403)
        return view(*args, **kwargs)

    wrapper.required_permission = SUPERUSER
    return wrapper

"""Bulk actions on the customers selected in the grid (issue 13).

Each action runs, row by row, the same service function as its single-customer
counterpart on the details page, so the rules (your own account can't be
deactivated, the membership date arithmetic, groups of this market only) live
in one place. The per-row audit entries those functions write are kept, so each
customer's history stays complete; the whole action adds one more entry,
`customer.bulk_<action>`, with the count and the ids.

Ids are read through the market filter: an id of another market, or one that
doesn't exist, is counted as skipped and never touched.
"""

from dataclasses import dataclass, field

from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..audit.service import record
from ..campaigns.models import Campaign
from ..campaigns.service import CampaignError, check_campaign, send_campaign_to_accounts
from ..extensions import db
from ..groups.models import CustomerGroup
from ..groups.service import GroupError, update_group_and_tax
from ..markets.models import Market
from ..membership.service import MembershipError, update_membership
from ..staff import roles
from ..tenancy import find_in_market, select_in_market
from ..urls import parse_id
from .service import InvalidField, update_special_info

# More ids than the largest grid page are not a selection anyone made by hand.
MAX_IDS = 1000
NOT_IN_MARKET = "not in this market"
OWN_ACCOUNT = "your own account"


@dataclass(frozen=True)
class BulkAction:
    label: str  # the menu item, exactly as the issue names it
    permission: str  # that of the single-customer counterpart
    confirm: str  # "{count}" becomes "3 customers"
    done: str  # "{count}" becomes "3 customers"; "{group}" the group's name
    unchanged: str = ""  # why a row already in the wanted state was left alone


BULK_ACTIONS = {
    "mark_inactive": BulkAction(
        "Mark inactive",
        roles.EDIT_SPECIAL_INFO,
        "Mark {count} inactive?",
        "{count} marked inactive",
        "already inactive",
    ),
    "mark_active": BulkAction(
        "Mark active",
        roles.EDIT_SPECIAL_INFO,
        "Mark {count} active?",
        "{count} marked active",
        "already active",
    ),
    "mailings_off": BulkAction(
        "Turn off mailings",
        roles.EDIT_SPECIAL_INFO,
        "Turn off mailings for {count}?",
        "Mailings turned off for {count}",
        "already off",
    ),
    "add_membership_month": BulkAction(
        "Add membership month",
        roles.UPDATE_MEMBERSHIP,
        "Add a membership month for {count}?",
        "Membership extended by a month for {count}",
    ),
    "add_to_group": BulkAction(
        "Add to group",
        roles.MANAGE_GROUPS,
        "Add {count} to a group?",
        "{count} added to {group}",
        "already in the group",
    ),
    "email_selected": BulkAction(
        "Email selected",
        roles.SEND_CAMPAIGNS,
        "Write an email to {count}?",
        "Sending to {count}",
    ),
    "export_selected": BulkAction(
        "Export selected",
        roles.EXPORT_CUSTOMERS,
        "Export {count}?",
        "{count} exported",
    ),
}


class BulkError(ValueError):
    """The action as a whole can't run (an unknown action, a group of another market)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def customers(n: int) -> str:
    return f"{n:,} customer{'s' if n != 1 else ''}"


@dataclass
class BulkResult:
    action: str
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: dict[int | str, str] = field(default_factory=dict)  # id as posted -> why
    group: str = ""
    campaign: Campaign | None = None

    def message(self) -> str:
        """The flash: "3 customers marked inactive; 1 skipped (your own account)."."""
        spec = BULK_ACTIONS[self.action]
        parts = [spec.done.format(count=customers(len(self.changed)), group=self.group)]
        if self.unchanged:
            parts.append(f"{len(self.unchanged):,} unchanged ({spec.unchanged})")
        if self.skipped:
            reasons = sorted(set(self.skipped.values()))
            parts.append(f"{len(self.skipped):,} skipped ({', '.join(reasons)})")
        return "; ".join(parts) + "."


def parse_ids(raw_ids) -> tuple[list[int], list[str]]:
    """The posted ids as integers (each once, in order), and those that aren't ids at all."""
    ids, bad = [], []
    for raw in raw_ids:
        value = parse_id(raw)
        if value is None:
            bad.append(str(raw).strip()[:40])
        elif value not in ids:
            ids.append(value)
    return ids, bad


def selected_accounts(market: Market, raw_ids) -> tuple[list[Account], dict]:
    """The market's accounts among `raw_ids`, by id; every other id with why it was skipped."""
    ids, bad = parse_ids(raw_ids)
    if len(ids) > MAX_IDS:
        raise BulkError("rowid", f"Select at most {MAX_IDS:,} customers at a time.")
    found = (
        db.session.scalars(
            select_in_market(Account, market).where(Account.id.in_(ids)).order_by(Account.id)
        ).all()
        if ids
        else []
    )
    found_ids = {account.id for account in found}
    skipped = {i: NOT_IN_MARKET for i in ids if i not in found_ids}
    skipped.update({text: NOT_IN_MARKET for text in bad})
    return list(found), skipped


def market_group(market: Market, group_id) -> CustomerGroup:
    group = find_in_market(CustomerGroup, group_id, market)
    if group is None:
        raise BulkError("group_id", "Choose one of this market's customer groups.")
    return group


def _change_one(action: str, account: Account, actor: Account, params: dict) -> bool:
    """Run the single-customer service on one row; True if it changed anything."""
    if action in ("mark_inactive", "mark_active", "mailings_off"):
        flags = (
            {"receives_mailings": False}
            if action == "mailings_off"
            else {"active": action == "mark_active"}
        )
        return bool(update_special_info(account, actor, flags, account.line_position.value))
    if action == "add_membership_month":
        update_membership(account, actor, change="add_month")
        return True
    if action == "add_to_group":
        group = params["group"]
        return bool(
            update_group_and_tax(account, actor, group.id, account.tax_exempt, account.vat_id)
        )
    raise BulkError("action", "Choose one of the bulk actions.")


def apply_bulk(manager: Account, market: Market, action: str, raw_ids, **params) -> BulkResult:
    """Apply `action` to the market's customers among `raw_ids`. The caller commits.

    Email selected commits itself (the campaign's jobs must see its recipients).
    Params: `group_id` for Add to group; `subject` and `message` for Email selected.
    """
    if action not in BULK_ACTIONS:
        raise BulkError("action", "Choose one of the bulk actions.")
    if action == "email_selected":
        errors = check_campaign(params.get("subject") or "", params.get("message") or "")
        if errors:
            raise CampaignError(errors)
    accounts, skipped = selected_accounts(market, raw_ids)
    result = BulkResult(action, skipped=skipped)
    if action == "add_to_group":
        params["group"] = market_group(market, params.get("group_id"))
        result.group = params["group"].name
    if action in ("email_selected", "export_selected"):
        result.changed = [account.id for account in accounts]
    else:
        for account in accounts:
            try:
                changed = _change_one(action, account, manager, params)
            except (InvalidField, StaleForm, MembershipError, GroupError) as error:
                result.skipped[account.id] = (
                    OWN_ACCOUNT if account.id == manager.id else str(error).rstrip(".")
                )
                continue
            (result.changed if changed else result.unchanged).append(account.id)
    _record_bulk(manager, market, result)
    if action == "email_selected" and result.changed:
        result.campaign = send_campaign_to_accounts(
            manager,
            market,
            result.changed,
            params["subject"],
            params["message"],
            root=params.get("root"),
        )
    return result


def bulk_details(result: BulkResult) -> dict:
    """What a bulk action's audit entry records besides its summary."""
    return dict(
        count=len(result.changed),
        ids=result.changed,
        unchanged=result.unchanged,
        skipped=len(result.skipped),
        **({"group": result.group} if result.group else {}),
    )


def _record_bulk(manager: Account, market: Market, result: BulkResult) -> None:
    details = bulk_details(result)
    if result.action == "export_selected":
        # Personal data leaving: export.customers_download writes its entry as the file
        # leaves (with bulk_details), the one way a customers file is made.
        return
    record(
        manager,
        market.id,
        f"customer.bulk_{result.action}",
        None,
        f"{BULK_ACTIONS[result.action].label}: {result.message()}",
        **details,
    )

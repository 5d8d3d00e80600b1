"""Merging a duplicate customer account into the account that is kept.

The account being merged (`source`) is emptied into the kept one (`target`)
in one transaction, under row locks of both, and is then left inactive and
anonymised with an AccountMerge pointing at the kept account.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, exists, func, or_, select, update

from ..accounts.comments import add_comment
from ..accounts.locks import lock_account
from ..accounts.models import Account, AccountMerge, Comment
from ..accounts.search import search_clause
from ..act_as.models import ActAsSession
from ..act_as.service import expiry_reason
from ..addresses.models import Address
from ..addresses.service import MAILING_COLUMNS, default_shipping, mirror_default_shipping
from ..audit.service import record
from ..balance.models import LedgerEntry
from ..catalog.models import GrowerProfile
from ..extensions import db
from ..loyalty.models import LoyaltyEntry
from ..markets.models import Market
from ..money import format_money
from ..onboarding.models import Invitation, Token
from ..orders.models import CartItem, Order
from ..orders.service import recount_orders
from ..payments.models import CardCharge, PaymentMethod
from ..privacy.models import DataRequest
from ..search import search_words
from ..signals import accounts_merged, send_after_commit
from ..tenancy import belongs_to, select_in_market
from ..timeutil import format_date, market_today, utcnow

MOVE, MERGE, DELETE, LEAVE = "move", "merge", "delete", "leave"
# Every column that points at an account, and what a merge does with the merged account's rows.
# A test compares this with the metadata (tables named without the lgadmin_ prefix), so a new
# reference can't be forgotten here.
ACCOUNT_REFERENCES = {
    "orders.account_id": MOVE,
    "card_charge.account_id": MOVE,  # the card attempts of the orders that move
    "ledger_entry.account_id": MOVE,
    "comment.account_id": MOVE,
    "address.account_id": MOVE,  # the kept account's defaults win
    "invitation.account_id": MOVE,
    "grower_profile.account_id": MOVE,  # refused when both accounts sell
    "cart_item.account_id": MERGE,  # the same product in both carts: quantities add up
    "loyalty_entry.account_id": MERGE,  # rows move, the points add up
    "payment_method.account_id": MERGE,  # the card on file (see _merge_cards)
    "data_request.account_id": MERGE,  # open requests go on; one of a kind if both asked
    "token.account_id": DELETE,  # no link may sign in to the merged account
    # What people did, and what happened to an address, stays as it happened.
    "account.created_by_id": LEAVE,
    "orders.placed_by_id": LEAVE,
    "ledger_entry.created_by_id": LEAVE,
    "loyalty_entry.created_by_id": LEAVE,
    "comment.author_id": LEAVE,
    "audit_entry.actor_id": LEAVE,
    "act_as_session.manager_id": LEAVE,
    "act_as_session.shopper_id": LEAVE,
    "segment.created_by_id": LEAVE,
    "export.requested_by_id": LEAVE,  # who asked for a customer export: the staff member
    "campaign.sent_by_id": LEAVE,
    "campaign_recipient.account_id": LEAVE,
    "mail_event.account_id": LEAVE,
    "invitation.invited_by_id": LEAVE,
    "invitation_batch.created_by_id": LEAVE,
    "import_preview.created_by_id": LEAVE,
    "import_preview.imported_by_id": LEAVE,
    "account_merge.merged_account_id": LEAVE,
    "account_merge.kept_account_id": LEAVE,
    "account_merge.merged_by_id": LEAVE,
    "data_request.handled_by_id": LEAVE,
}
MOVED_ROWS = {
    "orders": Order,
    "card_charges": CardCharge,
    "ledger_rows": LedgerEntry,
    "comments": Comment,
    "addresses": Address,
    "invitations": Invitation,
    "loyalty_rows": LoyaltyEntry,
}
MERGED_DOMAIN = "invalid"


class MergeRefused(ValueError):
    """This merge is not allowed; the message says why."""


@dataclass
class MergePreview:
    """What a merge of `source` into `target` would do, before anything changes."""

    source: Account
    target: Account
    refusal: str | None
    counts: dict
    ledger_total_cents: int
    balance_after_cents: int
    cart_items: int
    loyalty_after: int | None
    card: str
    membership_after: date | None
    trial_orders_after: int
    flags_after: dict
    grower_moves: bool
    currency: str = "USD"
    notes: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def merge_refusal(manager: Account, market: Market, source: Account, target: Account) -> str:
    """Why `manager` may not merge `source` into `target` ("" when they may)."""
    if not (manager.is_superuser or (manager.is_manager and belongs_to(manager, market))):
        return "Only this market's managers can merge customers."
    if not belongs_to(source, market) or not belongs_to(target, market):
        return "Both accounts must belong to this market."
    if source.id == target.id:
        return "An account can't be merged with itself: pick the other customer."
    for account in (source, target):
        if account.is_manager or account.is_superuser:
            return (
                f"{account} is a market manager or platform staff; their accounts can't be merged."
            )
    for account in (source, target):
        if is_merged(account):
            return f"{account} was already merged into another account."
        if account.erased_at is not None:
            return "An erased account can't be merged: its data is gone for good."
    if not target.active:
        return f"{target} is inactive; pick an active account to keep."
    if target.is_guest:
        return f"{target} is a guest; merge it into the registered account instead."
    if source.grower is not None and target.grower is not None:
        return "Both accounts sell as growers; an account can have only one grower profile."
    acting = in_act_as_session([source.id, target.id])
    if acting:
        return f"{acting} is in an act-as session right now; end the session before merging."
    return ""


def merge_of(account: Account) -> AccountMerge | None:
    """The record of this account's merge into another, if it was merged."""
    return db.session.scalars(
        select(AccountMerge).where(AccountMerge.merged_account_id == account.id)
    ).first()


def is_merged(account: Account) -> bool:
    return merge_of(account) is not None


def in_act_as_session(account_ids: list[int]) -> Account | None:
    """The first of these accounts that a manager is acting as (or acting from) right now."""
    sessions = db.session.scalars(
        select(ActAsSession).where(
            ActAsSession.ended_at.is_(None),
            or_(
                ActAsSession.shopper_id.in_(account_ids),
                ActAsSession.manager_id.in_(account_ids),
            ),
        )
    )
    for session in sessions:
        # Past its total or idle limit, a session only waits for its next request to end it.
        if expiry_reason(session) is None:
            acting_id = (
                session.shopper_id if session.shopper_id in account_ids else session.manager_id
            )
            return db.session.get(Account, acting_id)
    return None


def preview_merge(
    manager: Account, market: Market, source: Account, target: Account
) -> MergePreview:
    """Counts and outcomes of merging `source` into `target`; changes nothing."""
    counts = {
        name: db.session.scalar(
            select(func.count()).select_from(model).where(model.account_id == source.id)
        )
        for name, model in MOVED_ROWS.items()
    }
    ledger_total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == source.id
        )
    )
    target_total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == target.id
        )
    )
    cart_items = db.session.scalar(
        select(func.count()).select_from(CartItem).where(CartItem.account_id == source.id)
    )
    return MergePreview(
        source=source,
        target=target,
        refusal=merge_refusal(manager, market, source, target) or None,
        counts=counts,
        ledger_total_cents=ledger_total,
        balance_after_cents=ledger_total + target_total,
        cart_items=cart_items,
        loyalty_after=_loyalty_after(source, target),
        card=_card_outcome(source, target),
        membership_after=_later(source.membership_expires_on, target.membership_expires_on),
        trial_orders_after=max(source.trial_orders_left, target.trial_orders_left),
        flags_after=_flags_after(source, target),
        grower_moves=source.grower is not None,
        currency=market.currency,
    )


def merge_accounts(manager: Account, market: Market, source: Account, target: Account) -> dict:
    """Move everything of `source` to `target` and retire `source`; returns the counts moved.

    Raises MergeRefused (nothing changed). The caller commits, or rolls back on error.
    """
    # Locked in id order, so two merges of the same pair can't deadlock.
    first, second = sorted((source.id, target.id))
    locked = {first: lock_account(first), second: lock_account(second)}
    source, target = locked[source.id], locked[target.id]
    refusal = merge_refusal(manager, market, source, target)
    if refusal:
        raise MergeRefused(refusal)
    preview = preview_merge(manager, market, source, target)
    source_email, source_balance = source.email, source.balance_cents

    _merge_addresses(source, target)
    _merge_cart(source, target)
    _merge_cards(source, target)
    _merge_data_requests(manager, source, target)
    for model in MOVED_ROWS.values():
        db.session.execute(
            update(model)
            .where(model.account_id == source.id)
            .values(account_id=target.id)
            .execution_options(synchronize_session=False)
        )
    if source.grower is not None:
        db.session.execute(
            update(GrowerProfile)
            .where(GrowerProfile.account_id == source.id)
            .values(account_id=target.id)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(delete(Token).where(Token.account_id == source.id))
    _mailing_address_after_move(source, target)
    _merge_account_fields(source, target, preview)
    target.balance_cents = _rebalance_ledger(target.id)
    source.balance_cents = 0
    _rebalance_loyalty(target.id)
    db.session.add(
        AccountMerge(
            market_id=market.id,
            merged_account_id=source.id,
            kept_account_id=target.id,
            merged_by_id=manager.id,
        )
    )
    _anonymise(source)
    target.version += 1
    add_comment(
        target,
        f"Merged account of {source_email} on {format_date(market_today(market))} by {manager}",
        author=manager,
    )
    db.session.flush()
    recount_orders([source.id, target.id])
    kept = db.session.get(Account, target.id)
    record(
        manager,
        market.id,
        "customer.merged",
        kept,
        f"Merged the account of {source_email} (#{source.id}) into {kept.email} (#{kept.id}); "
        f"balance now {format_money(kept.balance_cents, market.currency)}",
        merged_account_id=source.id,
        kept_account_id=kept.id,
        merged_email=source_email,
        merged_balance_cents=source_balance,
        balance_after_cents=kept.balance_cents,
        moved=preview.counts,
        cart_items=preview.cart_items,
    )
    send_after_commit(
        accounts_merged,
        kept=kept,
        merged=source,
        merged_email=source_email,
        actor=manager,
        moved=preview.counts,
    )
    return preview.counts


def _merge_data_requests(manager: Account, source: Account, target: Account) -> None:
    """The person's data requests stay open on the kept account; where both accounts asked for
    the same thing, the kept account's request answers both."""
    open_on_target = set(
        db.session.scalars(
            select(DataRequest.kind).where(
                DataRequest.account_id == target.id, DataRequest.handled_at.is_(None)
            )
        )
    )
    for request in db.session.scalars(
        select(DataRequest).where(DataRequest.account_id == source.id)
    ):
        if request.handled_at is None and request.kind in open_on_target:
            request.handled_at, request.handled_by_id = utcnow(), manager.id
            request.outcome = f"merged into the request of account #{target.id}"
        else:
            request.account_id = target.id


def merge_candidates(market: Market, source: Account, query: str, limit: int = 20) -> list:
    """Accounts of the market `source` may be merged into, matching a name or email search."""
    words = search_words(query)
    if not words:
        return []
    stmt = (
        select_in_market(Account, market)
        .where(
            Account.id != source.id,
            Account.active.is_(True),
            Account.is_manager.is_(False),
            Account.is_superuser.is_(False),
            Account.is_guest.is_(False),
            ~exists().where(AccountMerge.merged_account_id == Account.id),
            search_clause(words),
        )
        .order_by(Account.last_name, Account.first_name, Account.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


# -- the parts of a merge ------------------------------------------------------


def _merge_addresses(source: Account, target: Account) -> None:
    """The kept account's default addresses stay its defaults; otherwise the merged one's do."""
    for flag in ("is_default_billing", "is_default_shipping"):
        column = getattr(Address, flag)
        target_has = db.session.scalar(
            select(exists().where(Address.account_id == target.id, column.is_(True)))
        )
        # An address in the kept account's own columns counts as its shipping default too.
        if flag == "is_default_shipping" and target.address_line1:
            target_has = True
        if target_has:
            db.session.execute(
                update(Address)
                .where(Address.account_id == source.id)
                .values({flag: False})
                .execution_options(synchronize_session=False)
            )


def _mailing_address_after_move(source: Account, target: Account) -> None:
    """The account's address columns mirror its default shipping address, which may have
    just moved over; without an address book, a blank address takes the merged one's."""
    if default_shipping(target) is not None:
        mirror_default_shipping(target)
    elif not target.address_line1 and source.address_line1:
        for column in MAILING_COLUMNS:
            setattr(target, column, getattr(source, column))
        target.country = source.country


def _merge_cart(source: Account, target: Account) -> None:
    kept = {item.product_id: item for item in _cart(target.id)}
    for item in _cart(source.id):
        same = kept.get(item.product_id)
        if same is None:
            item.account_id = target.id
        else:
            same.quantity += item.quantity
            db.session.delete(item)
    db.session.flush()


def _cart(account_id: int) -> list[CartItem]:
    return list(db.session.scalars(select(CartItem).where(CartItem.account_id == account_id)))


def _cards(account_id: int) -> list[PaymentMethod]:
    return list(
        db.session.scalars(select(PaymentMethod).where(PaymentMethod.account_id == account_id))
    )


def _card_outcome(source: Account, target: Account) -> str:
    source_cards, target_cards = _cards(source.id), _cards(target.id)
    if not source_cards:
        return "The kept account's card on file stays." if target_cards else "No card on file."
    if target_cards:
        return (
            "The kept account's card on file stays; the merged account's "
            f"{_describe_cards(source_cards)} is dropped."
        )
    return f"The merged account's {_describe_cards(source_cards)} moves to the kept account."


def _describe_cards(cards: list[PaymentMethod]) -> str:
    return ", ".join(f"{card.brand_name} ending {card.last4}" for card in cards)


def _merge_cards(source: Account, target: Account) -> None:
    """A saved card belongs to its Stripe customer: cards and Stripe customer move together,
    and only when the kept account has no card of its own."""
    source_cards = _cards(source.id)
    if not source_cards:
        return
    if _cards(target.id):
        for card in source_cards:
            db.session.delete(card)
        db.session.flush()
        return
    stripe_customer_id = source.stripe_customer_id
    if stripe_customer_id:
        source.stripe_customer_id = None
        db.session.flush()  # the Stripe customer id is unique
        target.stripe_customer_id = stripe_customer_id
    for card in source_cards:
        card.account_id = target.id
    db.session.flush()


def _merge_account_fields(source: Account, target: Account, preview: MergePreview) -> None:
    for flag, value in preview.flags_after.items():
        setattr(target, flag, value)
    target.membership_expires_on = preview.membership_after
    target.trial_orders_left = preview.trial_orders_after
    target.loyalty_points = preview.loyalty_after
    target.phone = target.phone or source.phone
    target.pickup_location_id = target.pickup_location_id or source.pickup_location_id
    target.customer_group_id = target.customer_group_id or source.customer_group_id
    if source.manager_comments.strip():
        target.manager_comments = "\n".join(
            part for part in (target.manager_comments, source.manager_comments) if part.strip()
        )


def _rebalance_ledger(account_id: int) -> int:
    """Re-run the balance-after of the account's rows in time order; returns the sum."""
    running = 0
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account_id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    for entry in entries:
        running += entry.amount_cents
        entry.balance_after_cents = running
    return running


def _rebalance_loyalty(account_id: int) -> None:
    running = 0
    entries = db.session.scalars(
        select(LoyaltyEntry)
        .where(LoyaltyEntry.account_id == account_id)
        .order_by(LoyaltyEntry.created_at, LoyaltyEntry.id)
    )
    for entry in entries:
        running += entry.points
        entry.balance_after = running


def _anonymise(account: Account) -> None:
    """Nothing personal left, and no way to sign in."""
    account.email = f"merged-{account.id}@{MERGED_DOMAIN}"
    account.first_name, account.last_name = "Merged", "account"
    for column in (
        "phone",
        "address_line1",
        "address_line2",
        "city",
        "region",
        "postal_code",
        "manager_comments",
        "vat_id",
    ):
        setattr(account, column, "")
    account.password_hash = None
    account.active = False
    account.receives_mailings = False
    account.is_volunteer = account.is_wholesale = account.tax_exempt = False
    account.email_verified_at = account.email_bounced_at = None
    account.membership_expires_on = None
    account.trial_orders_left = 0
    account.loyalty_points = None
    account.stripe_customer_id = None
    account.pickup_location_id = account.customer_group_id = None
    account.staff_role = None
    account.version += 1


# -- the rules of the merged values ------------------------------------------


def _flags_after(source: Account, target: Account) -> dict:
    """A manager, volunteer or wholesale flag set on either stays set; mailings stay off if
    either turned them off."""
    return {
        "is_manager": source.is_manager or target.is_manager,
        "is_volunteer": source.is_volunteer or target.is_volunteer,
        "is_wholesale": source.is_wholesale or target.is_wholesale,
        "receives_mailings": source.receives_mailings and target.receives_mailings,
    }


def _later(a: date | None, b: date | None) -> date | None:
    return max((d for d in (a, b) if d is not None), default=None)


def _loyalty_after(source: Account, target: Account) -> int | None:
    if source.loyalty_points is None and target.loyalty_points is None:
        return None
    return (source.loyalty_points or 0) + (target.loyalty_points or 0)

"""One customer's data: a copy for them (GDPR art. 15, 20) and erasure (art. 17).

An order is *open* while it is neither cancelled nor paid (amount due above
zero): the same rule that decides which orders a payment is applied to. A
customer with an open order or a balance other than zero can't be erased,
because the accounts still have to be settled with them.
"""

import json
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.locks import lock_account
from ..accounts.models import Account, Comment
from ..act_as.models import ActAsSession
from ..act_as.service import expiry_reason
from ..addresses.models import Address
from ..audit.models import AuditEntry
from ..audit.service import record, record_export
from ..campaigns.models import CampaignRecipient
from ..deliverability.models import MailEvent
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..markets.models import Market
from ..money import format_money
from ..onboarding.models import Invitation, Token
from ..orders.models import CartItem, Order
from ..payments.client import payments_enabled
from ..payments.models import PaymentMethod
from ..payments.service import delete_stripe_customer
from ..signals import customer_erased, send_after_commit
from ..tenancy import belongs_to
from ..timeutil import utcnow
from .export import customer_data, data_zip, record_count
from .models import DataRequest, DataRequestKind

ERASED_FIRST_NAME = "Erased"
ERASED_LAST_NAME = "customer"


class PrivacyError(ValueError):
    """A request that can't be carried out; the message says why, for the person asking."""


def erased_email(account: Account) -> str:
    # The id keeps (market, email) unique; .invalid can never receive mail (RFC 2606).
    return f"erased-{account.id}@invalid"


# -- requests from the shopper -------------------------------------------------------
def request_data(
    account: Account, market: Market, kind: DataRequestKind
) -> tuple[DataRequest, bool]:
    """The shopper's open request of `kind`, made now unless one is already open.

    Returns the request and whether it is new. The caller commits.
    """
    if not belongs_to(account, market):
        raise PrivacyError("This account is not of this market.")
    if account.erased_at is not None:
        raise PrivacyError("This account has been erased.")
    existing = open_request(account, kind)
    if existing is not None:
        return existing, False
    request = DataRequest(market_id=market.id, account_id=account.id, kind=kind)
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # the same press arrived twice at once; the other one won
        return open_request(account, kind), False
    return request, True


def open_request(account: Account, kind: DataRequestKind) -> DataRequest | None:
    return db.session.scalars(
        select(DataRequest).where(
            DataRequest.account_id == account.id,
            DataRequest.kind == kind,
            DataRequest.handled_at.is_(None),
        )
    ).first()


def requests_of(account: Account) -> list[DataRequest]:
    """The account's requests, newest first."""
    return list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.account_id == account.id)
            .order_by(DataRequest.requested_at.desc(), DataRequest.id.desc())
        )
    )


def _mark_handled(account: Account, actor: Account, kinds, outcome: str) -> None:
    db.session.execute(
        update(DataRequest)
        .where(
            DataRequest.account_id == account.id,
            DataRequest.kind.in_(kinds),
            DataRequest.handled_at.is_(None),
        )
        .values(handled_at=utcnow(), handled_by_id=actor.id, outcome=outcome)
    )


# -- the copy ----------------------------------------------------------------------
def export_customer_data(manager: Account, market: Market, account: Account) -> bytes:
    """The ZIP of everything held about `account`, with its audit row. The caller commits."""
    if not belongs_to(account, market):
        raise PrivacyError("This customer is not of this market.")
    data = customer_data(manager, market, account)
    content = data_zip(data)
    _mark_handled(account, manager, [DataRequestKind.EXPORT], "exported")
    record_export(
        manager,
        market.id,
        "customer.data_exported",
        f"the data of customer #{account.id}",
        record_count(data),
        account,
    )
    return content


# The shopper may download their copy themselves for this long after a manager answered.
COPY_DAYS = 7
COPY_NOT_READY = (
    "Your copy isn't ready: ask for a copy of your data, and a manager of the market will "
    "prepare it."
)


def shopper_copy_until(account: Account) -> datetime | None:
    """Until when the shopper may download their copy (a manager answered their request), or
    None while there is no copy to download."""
    answered = db.session.scalar(
        select(func.max(DataRequest.handled_at)).where(
            DataRequest.account_id == account.id,
            DataRequest.kind == DataRequestKind.EXPORT,
            DataRequest.outcome == "exported",
        )
    )
    until = answered + timedelta(days=COPY_DAYS) if answered else None
    return until if until and until > utcnow() else None


def download_own_data(account: Account, market: Market) -> bytes:
    """The shopper's own copy, once a manager has answered their request. The caller commits."""
    if not belongs_to(account, market) or shopper_copy_until(account) is None:
        raise PrivacyError(COPY_NOT_READY)
    data = customer_data(account, market, account)
    content = data_zip(data)
    record_export(
        account,
        market.id,
        "customer.data_exported",
        f"their own data (customer #{account.id})",
        record_count(data),
        account,
    )
    return content


# -- erasure -----------------------------------------------------------------------
def erasure_refusals(account: Account) -> list[str]:
    """Why `account` can't be erased now; empty when it can."""
    if account.erased_at is not None:
        return ["the customer was already erased"]
    reasons = []
    market = account.market
    if account.balance_cents != 0:
        currency = market.currency if market else "USD"
        reasons.append(
            f"the balance is {format_money(account.balance_cents, currency)} (it must be zero)"
        )
    open_orders = db.session.scalar(
        select(func.count()).where(
            Order.account_id == account.id,
            Order.cancelled_at.is_(None),
            Order.amount_due_cents > 0,
        )
    )
    if open_orders:
        plural = "s" if open_orders != 1 else ""
        reasons.append(f"{open_orders} order{plural} still open (unpaid and not cancelled)")
    if account.is_manager or account.is_superuser or account.staff_role is not None:
        reasons.append("managers and staff accounts can't be erased")
    if account.grower is not None:
        reasons.append("the customer sells as a grower")
    sessions = db.session.scalars(
        select(ActAsSession).where(
            ActAsSession.shopper_id == account.id, ActAsSession.ended_at.is_(None)
        )
    )
    if any(expiry_reason(session) is None for session in sessions):
        reasons.append("a manager is acting as this customer right now")
    return reasons


def erase_customer(manager: Account, market: Market, account: Account) -> None:
    """Replace the customer's personal data with placeholders, for good.

    Orders and ledger rows stay for the accounts, under the placeholder name.
    The caller commits; on PrivacyError nothing has changed.
    """
    if not belongs_to(account, market):
        raise PrivacyError("This customer is not of this market.")
    account = lock_account(account.id)
    reasons = erasure_refusals(account)
    if manager.id == account.id:
        reasons.append("you can't erase your own account")
    if reasons:
        raise PrivacyError("This customer can't be erased: " + "; ".join(reasons) + ".")
    old_identity = [v for v in (account.email, account.full_name) if v]
    placeholder = erased_email(account)
    _scrub_related_rows(account, placeholder)
    _scrub_audit_summaries(account, old_identity)
    account.first_name, account.last_name = ERASED_FIRST_NAME, ERASED_LAST_NAME
    account.email = placeholder
    account.phone = ""
    account.address_line1 = account.address_line2 = ""
    account.city = account.region = account.postal_code = ""
    account.manager_comments = ""
    account.vat_id = ""
    account.password_hash = None
    if account.stripe_customer_id and payments_enabled():
        # The cards saved at Stripe go with the customer there, once the erasure has landed.
        enqueue_after_commit(delete_stripe_customer, account.stripe_customer_id)
    account.stripe_customer_id = None
    account.active = False
    account.receives_mailings = False
    account.erased_at = utcnow()
    account.version += 1
    _mark_handled(account, manager, list(DataRequestKind), "erased")
    record(manager, market.id, "customer.erased", account, f"Erased customer #{account.id}")
    send_after_commit(customer_erased, account=account, actor=manager)


def _scrub_related_rows(account: Account, placeholder: str) -> None:
    for model in (Address, Comment, Token, PaymentMethod, CartItem):
        db.session.execute(delete(model).where(model.account_id == account.id))
    # Orders stay for the accounts; where they were delivered is the customer's business.
    db.session.execute(
        update(Order).where(Order.account_id == account.id).values(delivery_address="")
    )
    db.session.execute(
        update(MailEvent)
        .where(MailEvent.account_id == account.id)
        .values(email=placeholder, reason="", raw="{}")
    )
    for model in (CampaignRecipient, Invitation):
        db.session.execute(
            update(model).where(model.account_id == account.id).values(email=placeholder)
        )


def _scrub_audit_summaries(account: Account, old_identity: list[str]) -> None:
    """Earlier audit rows about the account keep who did what and when, not the name or email."""
    rows = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.target_type == "account", AuditEntry.target_id == account.id
        )
    )
    for entry in rows:
        summary, details = entry.summary, json.dumps(entry.details or {}, ensure_ascii=False)
        for value in old_identity:
            summary = summary.replace(value, f"customer #{account.id}")
            details = details.replace(json.dumps(value, ensure_ascii=False)[1:-1], "(erased)")
        entry.summary = summary
        entry.details = json.loads(details)

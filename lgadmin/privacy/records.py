"""The account's rows in each category of the export, as JSON-ready values.

Money is a decimal string with its currency, times are ISO 8601 in UTC.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from ..accounts.models import Account, AccountMerge, Comment
from ..act_as.models import ActAsSession
from ..addresses.models import Address
from ..audit.models import AuditEntry
from ..balance.models import LedgerEntry
from ..campaigns.models import Campaign, CampaignRecipient
from ..deliverability.models import MailEvent, MailEventKind
from ..extensions import db
from ..loyalty.models import LoyaltyEntry
from ..onboarding.models import Invitation, Token
from ..orders.models import CartItem, Order
from ..payments.models import CardCharge, PaymentMethod
from ..tenancy import select_in_market
from .models import DataRequest

CONSENT_EVENTS = (MailEventKind.UNSUBSCRIBE, MailEventKind.SPAM_COMPLAINT)


def utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its offset."""
    return value.replace(tzinfo=UTC).isoformat() if value else None


def money(cents: int | None, currency: str) -> dict:
    amount = (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))
    return {"amount": str(amount), "currency": currency}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def name_of(account: Account | None) -> str | None:
    return str(account) if account is not None else None


def _all(stmt) -> list:
    return list(db.session.scalars(stmt))


def profile(account: Account, cur: str) -> dict:
    return {
        "id": account.id,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone": account.phone,
        "mailing_address": {
            "line1": account.address_line1,
            "line2": account.address_line2,
            "city": account.city,
            "region": account.region,
            "postal_code": account.postal_code,
            "country": account.country,
        },
        "pickup_location": account.pickup_location.name if account.pickup_location else None,
        "joined_at": utc(account.joined_at),
        "last_sign_in_at": utc(account.last_sign_in_at),
        "active": account.active,
        "guest": account.is_guest,
        "email_verified_at": utc(account.email_verified_at),
        "volunteer": account.is_volunteer,
        "wholesale": account.is_wholesale,
        "line_position": account.line_position.label,
        "customer_group": account.customer_group.name if account.customer_group else None,
        "tax_exempt": account.tax_exempt,
        "vat_id": account.vat_id,
        "balance": money(account.balance_cents, cur),
        "loyalty_points": account.loyalty_points,
        "manager_notes": account.manager_comments,
        "has_password": account.password_hash is not None,
        "erased_at": utc(account.erased_at),
    }


def addresses(account: Account) -> list[dict]:
    rows = _all(select(Address).where(Address.account_id == account.id).order_by(Address.id))
    return [
        {
            "label": a.label,
            "recipient": a.recipient,
            "line1": a.line1,
            "line2": a.line2,
            "city": a.city,
            "region": a.region,
            "postal_code": a.postal_code,
            "country": a.country,
            "default_billing": a.is_default_billing,
            "default_shipping": a.is_default_shipping,
            "created_at": utc(a.created_at),
        }
        for a in rows
    ]


def orders(account: Account, cur: str) -> list[dict]:
    placed = _all(
        select(Order).where(Order.account_id == account.id).order_by(Order.placed_at, Order.id)
    )
    charges: dict[int, list] = {}
    for charge in _all(
        select(CardCharge).where(CardCharge.account_id == account.id).order_by(CardCharge.id)
    ):
        charges.setdefault(charge.order_id, []).append(
            {
                "amount": money(charge.amount_cents, cur),
                "status": charge.status,
                "message": charge.message,
                "created_at": utc(charge.created_at),
            }
        )
    return [
        {
            "id": order.id,
            "placed_at": utc(order.placed_at),
            "total": money(order.total_cents, cur),
            "amount_due": money(order.amount_due_cents, cur),
            "balance_applied": money(order.balance_applied_cents, cur),
            "discount": money(order.discount_cents, cur),
            "loyalty_discount": money(order.loyalty_discount_cents, cur),
            "payment_choice": order.payment_choice.value,
            "includes_membership": order.includes_membership,
            "delivery_address": order.delivery_address,
            "paid_at": utc(order.paid_at),
            "cancelled_at": utc(order.cancelled_at),
            "items": [
                {
                    "name": item.name,
                    "unit": item.unit,
                    "quantity": str(item.quantity),
                    "unit_price": money(item.unit_price_cents, cur),
                }
                for item in order.items
            ],
            "card_charges": charges.get(order.id, []),
        }
        for order in placed
    ]


def cart(account: Account) -> list[dict]:
    rows = _all(select(CartItem).where(CartItem.account_id == account.id).order_by(CartItem.id))
    return [
        {
            "product": item.product.name,
            "quantity": str(item.quantity),
            "added_at": utc(item.added_at),
        }
        for item in rows
    ]


def ledger(account: Account, cur: str) -> list[dict]:
    rows = _all(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    )
    return [
        {
            "at": utc(entry.created_at),
            "kind": entry.kind.value,
            "amount": money(entry.amount_cents, cur),
            "balance_after": money(entry.balance_after_cents, cur),
            "reason": entry.reason_text or entry.reason_code,
            "order_id": entry.order_id,
            "applied_to_orders": [
                {"order_id": a.order_id, "amount": money(a.amount_cents, cur)}
                for a in entry.allocations
            ],
        }
        for entry in rows
    ]


def loyalty(account: Account) -> list[dict]:
    rows = _all(
        select(LoyaltyEntry)
        .where(LoyaltyEntry.account_id == account.id)
        .order_by(LoyaltyEntry.created_at, LoyaltyEntry.id)
    )
    return [
        {
            "at": utc(e.created_at),
            "kind": e.kind.label,
            "points": e.points,
            "balance_after": e.balance_after,
            "reason": e.reason,
            "order_id": e.order_id,
        }
        for e in rows
    ]


def membership(account: Account) -> dict:
    changes = _all(
        select(AuditEntry)
        .where(
            AuditEntry.action == "membership.updated",
            AuditEntry.target_type == "account",
            AuditEntry.target_id == account.id,
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return {
        "expires_on": _day(account.membership_expires_on),
        "trial_orders_left": account.trial_orders_left,
        "history": [
            {
                "at": utc(c.created_at),
                "from": c.details.get("before"),
                "to": c.details.get("after"),
                "change": c.details.get("change"),
            }
            for c in changes
        ],
    }


def comments(account: Account) -> list[dict]:
    rows = _all(
        select(Comment)
        .where(Comment.account_id == account.id)
        .order_by(Comment.created_at, Comment.id)
    )
    return [
        {
            "at": utc(c.created_at),
            "by": "System" if c.is_system else (name_of(c.author) or "a former manager"),
            "text": c.body,
        }
        for c in rows
    ]


def _mail_event_rows(account: Account, kinds=None) -> list[MailEvent]:
    stmt = select(MailEvent).where(MailEvent.account_id == account.id)
    if kinds:
        stmt = stmt.where(MailEvent.kind.in_(kinds))
    return _all(stmt.order_by(MailEvent.received_at, MailEvent.id))


def _mail_event(event: MailEvent) -> dict:
    # The provider's raw payload stays out: it carries the provider's signatures.
    return {
        "kind": event.kind.label,
        "email": event.email,
        "reason": event.reason,
        "provider": event.provider,
        "occurred_at": utc(event.occurred_at),
        "received_at": utc(event.received_at),
    }


def mail_events(account: Account) -> list[dict]:
    return [_mail_event(e) for e in _mail_event_rows(account)]


def mailings(account: Account) -> list[dict]:
    rows = db.session.execute(
        select(CampaignRecipient, Campaign)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(CampaignRecipient.account_id == account.id)
        .order_by(Campaign.created_at, CampaignRecipient.id)
    ).all()
    return [
        {
            "subject": campaign.subject,
            "email": recipient.email,
            "status": recipient.status.value,
            "sent_at": utc(recipient.sent_at),
        }
        for recipient, campaign in rows
    ]


def act_as_sessions(account: Account) -> list[dict]:
    rows = _all(
        select(ActAsSession)
        .where(ActAsSession.shopper_id == account.id)
        .order_by(ActAsSession.started_at, ActAsSession.id)
    )
    return [
        {
            "manager": name_of(s.manager),
            "reason": s.reason,
            "started_at": utc(s.started_at),
            "ended_at": utc(s.ended_at),
            "end_reason": s.end_reason,
            "actions": [
                {"at": utc(a.at), "method": a.method, "path": a.path, "description": a.description}
                for a in s.actions
            ],
        }
        for s in rows
    ]


def consents(account: Account) -> dict:
    return {
        "receives_mailings": account.receives_mailings,
        "email_bounced_at": utc(account.email_bounced_at),
        "signed_up_at": utc(account.joined_at),
        "email_verified_at": utc(account.email_verified_at),
        "unsubscribes_and_complaints": [
            _mail_event(e) for e in _mail_event_rows(account, CONSENT_EVENTS)
        ],
    }


def cards(account: Account) -> list[dict]:
    rows = _all(
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account.id)
        .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id)
    )
    return [
        {
            "brand": card.brand_name,
            "last4": card.last4,
            "expiry": f"{card.exp_month:02d}/{card.exp_year}",
            "default": card.is_default,
        }
        for card in rows
    ]


def tokens(account: Account) -> list[dict]:
    rows = _all(select(Token).where(Token.account_id == account.id).order_by(Token.id))
    return [
        {
            "purpose": t.purpose.value,
            "created_at": utc(t.created_at),
            "expires_at": utc(t.expires_at),
            "used_at": utc(t.used_at),
        }
        for t in rows
    ]


def invitations(account: Account) -> list[dict]:
    rows = _all(
        select(Invitation).where(Invitation.account_id == account.id).order_by(Invitation.id)
    )
    return [
        {
            "email": i.email,
            "message": i.message,
            "invited_by": name_of(i.invited_by),
            "sent_at": utc(i.sent_at),
            "accepted_at": utc(i.accepted_at),
        }
        for i in rows
    ]


def grower(account: Account, cur: str) -> dict | None:
    seller = account.grower
    if seller is None:
        return None
    return {
        "name": seller.name,
        "approval": seller.approval.value,
        "balance": money(seller.balance_cents, cur),
        "created_at": utc(seller.created_at),
        "products": [{"name": p.name, "unit": p.unit} for p in seller.products],
    }


def data_requests(account: Account) -> list[dict]:
    rows = _all(
        select(DataRequest).where(DataRequest.account_id == account.id).order_by(DataRequest.id)
    )
    return [
        {
            "kind": r.kind.value,
            "requested_at": utc(r.requested_at),
            "handled_at": utc(r.handled_at),
            "outcome": r.outcome,
        }
        for r in rows
    ]


def merges(account: Account) -> list[dict]:
    """Duplicate accounts merged into this one, or the account this one was merged into."""
    rows = _all(
        select(AccountMerge)
        .where(
            or_(
                AccountMerge.kept_account_id == account.id,
                AccountMerge.merged_account_id == account.id,
            )
        )
        .order_by(AccountMerge.id)
    )
    return [
        {
            "merged_account_id": m.merged_account_id,
            "kept_account_id": m.kept_account_id,
            "merged_at": utc(m.merged_at),
            "merged_by": name_of(db.session.get(Account, m.merged_by_id)),
        }
        for m in rows
    ]


def audit_log(account: Account) -> list[dict]:
    """What was done to the account, and what the account itself did."""
    rows = _all(
        select_in_market(AuditEntry, account.market_id)
        .where(
            or_(
                (AuditEntry.target_type == "account") & (AuditEntry.target_id == account.id),
                AuditEntry.actor_id == account.id,
            ),
        )
        .order_by(AuditEntry.created_at, AuditEntry.id)
    )
    return [
        {"at": utc(e.created_at), "by": name_of(e.actor), "action": e.action, "summary": e.summary}
        for e in rows
    ]

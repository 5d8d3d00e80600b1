"""Placing orders and what they do to the balance."""

from datetime import datetime
from decimal import Decimal

from ..balance.models import LedgerKind
from ..balance.service import lock_account, record_entry
from ..catalog.models import Product
from ..customers.models import Account
from ..extensions import db
from ..loyalty.service import earn_for_order
from ..timeutil import utcnow
from .models import Order, OrderItem, PaymentChoice


def place_order(
    account: Account,
    lines: list[tuple[Product, Decimal]],
    payment_choice: PaymentChoice,
    *,
    placed_by: Account | None = None,
    includes_membership_cents: int = 0,
    pickup_location_id: int | None = None,
    at: datetime | None = None,
    discount_cents: int = 0,
) -> Order:
    """An order for `account`. Balance and pay-at-pickup orders are charged to the
    ledger; what a positive balance did not cover stays owed on the order.
    Card orders stay owed in full until the card is charged."""
    at = at or utcnow()
    items = [
        OrderItem(
            product_id=product.id,
            name=product.name,
            unit=product.unit,
            quantity=quantity,
            unit_price_cents=product.price_cents,
        )
        for product, quantity in lines
    ]
    total = sum(int(item.unit_price_cents * item.quantity) for item in items)
    # Discounts (customer group, loyalty points) come off the goods; items keep their prices.
    total -= min(max(discount_cents, 0), total)
    total += includes_membership_cents
    order = Order(
        market_id=account.market_id,
        account_id=account.id,
        placed_at=at,
        total_cents=total,
        amount_due_cents=total,
        includes_membership=includes_membership_cents > 0,
        payment_choice=payment_choice,
        placed_by_id=placed_by.id if placed_by else None,
        pickup_location_id=pickup_location_id or account.pickup_location_id,
        items=items,
    )
    db.session.add(order)
    db.session.flush()
    # Points are earned when the order is placed, on what the goods cost after discounts.
    earn_for_order(account, account.market, order, total - includes_membership_cents)
    if payment_choice == PaymentChoice.CARD:
        # Owed until payments.charge_order_with_saved_card succeeds; the balance is untouched.
        return order
    # A positive balance pays first; the rest stays owed (pay at pickup may go negative).
    applied = min(max(lock_account(account.id).balance_cents, 0), total)
    order.balance_applied_cents = applied
    order.amount_due_cents = total - applied
    if order.amount_due_cents == 0:
        order.paid_at = at
    record_entry(
        account.id,
        -total,
        LedgerKind.ORDER,
        reason_text=f"Order #{order.id}",
        order=order,
        actor=placed_by,
        at=at,
    )
    return order

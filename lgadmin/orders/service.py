"""Placing orders and what they do to the balance."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select, update

from ..accounts.locks import lock_account
from ..accounts.models import Account
from ..balance.models import LedgerAllocation, LedgerEntry, LedgerKind
from ..balance.service import record_entry
from ..catalog.models import Product
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
    count_order(account, order)
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
        order_id=order.id,
        actor=placed_by,
        at=at,
    )
    return order


def count_order(account: Account, order: Order) -> None:
    """Add a placed order to the account's order totals, in the order's transaction.

    One UPDATE of the row with the new values computed by the database, so two
    orders placed at once never lose a count.
    """
    db.session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(
            order_count=Account.order_count + 1,
            total_spent_cents=Account.total_spent_cents + order.total_cents,
            last_order_at=case(
                (Account.last_order_at.is_(None), order.placed_at),
                (Account.last_order_at < order.placed_at, order.placed_at),
                else_=Account.last_order_at,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(account, ["order_count", "total_spent_cents", "last_order_at"])


def recount_orders(account_ids=None) -> None:
    """Recompute the order totals from the orders (all accounts, or those given).

    For whatever cancels an order or changes one in bulk, and for the migration's backfill.
    """
    live = (Order.account_id == Account.id) & Order.cancelled_at.is_(None)
    stmt = update(Account).values(
        order_count=select(func.count(Order.id)).where(live).scalar_subquery(),
        total_spent_cents=select(func.coalesce(func.sum(Order.total_cents), 0))
        .where(live)
        .scalar_subquery(),
        last_order_at=select(func.max(Order.placed_at)).where(live).scalar_subquery(),
    )
    if account_ids is not None:
        stmt = stmt.where(Account.id.in_(list(account_ids)))
    db.session.execute(stmt.execution_options(synchronize_session=False))
    db.session.expire_all()


def apply_payment_to_open_orders(entry: LedgerEntry) -> list[LedgerAllocation]:
    """Spend a payment on the account's unpaid orders, oldest first."""
    remaining = entry.amount_cents
    allocations = []
    open_orders = db.session.scalars(
        select(Order)
        .where(
            Order.account_id == entry.account_id,
            Order.amount_due_cents > 0,
            Order.cancelled_at.is_(None),
        )
        .order_by(Order.placed_at, Order.id)
        .with_for_update()
    )
    for order in open_orders:
        if remaining <= 0:
            break
        paid = min(remaining, order.amount_due_cents)
        order.amount_due_cents -= paid
        # The payment reaches the order through the balance, so the order shows it as applied.
        order.balance_applied_cents += paid
        if order.amount_due_cents == 0:
            order.paid_at = entry.created_at
        remaining -= paid
        allocation = LedgerAllocation(entry=entry, order_id=order.id, amount_cents=paid)
        db.session.add(allocation)
        allocations.append(allocation)
    db.session.flush()
    return allocations

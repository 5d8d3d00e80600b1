"""Everything the customer details page shows, read in a handful of queries."""

from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import Account, Comment
from ..balance.models import LedgerEntry
from ..catalog.models import Product
from ..contact import display_phone, market_region
from ..extensions import db
from ..membership.service import MembershipStatus, membership_status
from ..orders.models import CartItem, Order
from ..payments.models import PaymentMethod
from .service import DeletionCheck, may_delete

RECENT_ORDERS = 25
RECENT_ADJUSTMENTS = 10


@dataclass
class CartLine:
    name: str
    quantity: object
    unit: str
    price_cents: int
    total_cents: int


@dataclass
class CustomerDetails:
    account: Account
    phone: str
    payment_methods: list
    membership: MembershipStatus
    orders: list
    order_count: int
    cart: list[CartLine]
    cart_total_cents: int
    adjustments: list
    ledger_count: int
    active_products: int
    comments: list
    deletion: DeletionCheck


def customer_details(account: Account) -> CustomerDetails:
    orders = db.session.scalars(
        select(Order)
        .where(Order.account_id == account.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(RECENT_ORDERS)
    ).all()
    cart = [
        CartLine(
            item.product.name,
            item.quantity,
            item.product.unit,
            item.product.price_cents,
            int(item.product.price_cents * item.quantity),
        )
        for item in db.session.scalars(
            select(CartItem).where(CartItem.account_id == account.id).order_by(CartItem.id)
        )
    ]
    adjustments = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(RECENT_ADJUSTMENTS)
    ).all()
    active_products = 0
    if account.grower is not None:
        active_products = db.session.scalar(
            select(func.count()).where(Product.grower_id == account.grower.id, Product.active)
        )
    return CustomerDetails(
        account=account,
        phone=display_phone(account.phone, market_region(account.market)),
        payment_methods=db.session.scalars(
            select(PaymentMethod)
            .where(PaymentMethod.account_id == account.id)
            .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id)
        ).all(),
        membership=membership_status(account),
        orders=orders,
        order_count=db.session.scalar(select(func.count()).where(Order.account_id == account.id)),
        cart=cart,
        cart_total_cents=sum(line.total_cents for line in cart),
        adjustments=adjustments,
        ledger_count=db.session.scalar(
            select(func.count()).where(LedgerEntry.account_id == account.id)
        ),
        active_products=active_products,
        comments=db.session.scalars(
            select(Comment)
            .where(Comment.account_id == account.id)
            .order_by(Comment.created_at.desc(), Comment.id.desc())
        ).all(),
        deletion=may_delete(account),
    )

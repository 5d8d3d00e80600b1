"""The shopper's cart and checkout, with the membership and balance rules of spec 000."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from ..accounts.models import Account
from ..addresses.service import address_of, default_shipping
from ..catalog.models import GrowerApproval, GrowerProfile, Product
from ..extensions import db
from ..groups.service import group_discount_cents
from ..loyalty.models import LoyaltyKind
from ..loyalty.service import record_points, redeemable_cents
from ..markets.models import Market
from ..membership.service import is_exempt, update_membership
from ..money import format_money
from ..orders.models import CartItem, Order, PaymentChoice
from ..orders.service import place_order
from ..payments.cards import default_card
from ..payments.client import payments_enabled
from ..payments.service import ChargeResult, charge_order_with_saved_card
from ..submissions import claim_submission
from ..tenancy import find_in_market, of_market

MAX_QUANTITY = Decimal(999)


class ShopError(ValueError):
    pass


def storefront(market: Market) -> list[tuple[GrowerProfile, list[Product]]]:
    """Active products of the market's approved growers, grouped by grower."""
    rows = db.session.execute(
        select(GrowerProfile, Product)
        .join(Product, Product.grower_id == GrowerProfile.id)
        .where(
            of_market(GrowerProfile, market),
            of_market(Product, market),
            GrowerProfile.approval == GrowerApproval.APPROVED,
            Product.active,
        )
        .order_by(GrowerProfile.name, Product.name, Product.id)
    ).all()
    grouped: dict[int, tuple[GrowerProfile, list[Product]]] = {}
    for grower, product in rows:
        grouped.setdefault(grower.id, (grower, []))[1].append(product)
    return list(grouped.values())


def _product(market: Market, product_id) -> Product:
    product = find_in_market(Product, product_id, market)
    if product is None or not product.active:
        raise ShopError("That product is not available.")
    return product


def parse_quantity(raw) -> Decimal:
    try:
        quantity = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ShopError("Enter a quantity like 1 or 2.5.") from None
    if not quantity.is_finite() or quantity < 0 or quantity > MAX_QUANTITY:
        raise ShopError("Enter a quantity between 0 and 999.")
    return quantity.quantize(Decimal("0.001"))


def set_cart_quantity(
    account: Account, market: Market, product_id, raw_quantity, *, add: bool = False
) -> None:
    """Put a product in the cart (or change its quantity; 0 removes it). The caller commits."""
    product = _product(market, product_id)
    quantity = parse_quantity(raw_quantity)
    item = db.session.scalars(
        select(CartItem).where(CartItem.account_id == account.id, CartItem.product_id == product.id)
    ).first()
    if add and item is not None:
        quantity = min(item.quantity + quantity, MAX_QUANTITY)
    if quantity == 0:
        if item is not None:
            db.session.delete(item)
        return
    if item is None:
        db.session.add(CartItem(account_id=account.id, product_id=product.id, quantity=quantity))
    else:
        item.quantity = quantity


@dataclass
class CartLine:
    product: Product
    quantity: Decimal
    total_cents: int


def cart_lines(account: Account) -> list[CartLine]:
    items = db.session.scalars(
        select(CartItem).where(CartItem.account_id == account.id).order_by(CartItem.id)
    ).all()
    return [
        CartLine(item.product, item.quantity, int(item.product.price_cents * item.quantity))
        for item in items
        if item.product.active
    ]


def needs_membership(account: Account, market: Market) -> bool:
    return market.membership_required and not is_exempt(account) and not account.is_member


def checkout(
    account: Account,
    market: Market,
    payment_choice: PaymentChoice,
    *,
    pickup_location_id: int | None = None,
    buy_membership: bool = False,
    placed_by: Account | None = None,
    address_id=None,
    redeem_points: bool = False,
    submission_key: str | None = None,
) -> Order:
    """Turn the cart into an order. The caller commits (and charges a card order).

    With the checkout form's `submission_key`, a second submission of the same form (a double
    click, a resend, two requests at once) raises AlreadyApplied and places nothing.

    The customer group's discount comes off the goods (rounded half up to a cent),
    then redeemed loyalty points; the membership fee is never discounted.
    """
    claim_submission(market.id, submission_key, "checkout")
    lines = cart_lines(account)
    if not lines:
        raise ShopError("Your cart is empty.")
    if market.pickup_locations_enabled:
        valid = {p.id for p in market.pickup_locations if p.active}
        if pickup_location_id not in valid:
            raise ShopError("Choose a pickup location.")
    else:
        pickup_location_id = None
    membership_cents = 0
    if needs_membership(account, market):
        if buy_membership:
            membership_cents = market.membership_price_cents
        elif account.trial_orders_left > 0:
            account.trial_orders_left -= 1
        else:
            raise ShopError(
                "Your trial orders are used up: add a year of membership "
                f"({format_money(market.membership_price_cents, market.currency)}) to this order."
            )
    delivery = _delivery_address(account, address_id)
    pricing = checkout_pricing(account, market, lines, redeem_points)
    total = pricing.total_cents + membership_cents
    if payment_choice == PaymentChoice.BALANCE and account.balance_cents < total:
        raise ShopError(
            f"Your balance ({format_money(account.balance_cents, market.currency)}) doesn't "
            f"cover this order ({format_money(total, market.currency)}). "
            "Choose pay at pickup instead."
        )
    order = place_order(
        account,
        [(line.product, line.quantity) for line in lines],
        payment_choice,
        placed_by=placed_by,
        includes_membership_cents=membership_cents,
        pickup_location_id=pickup_location_id,
        discount_cents=pricing.discount_cents + pricing.loyalty_cents,
    )
    order.discount_percent, order.discount_cents = pricing.discount_percent, pricing.discount_cents
    order.loyalty_discount_cents = pricing.loyalty_cents
    order.delivery_address = delivery.one_line() if delivery else ""
    if pricing.points:
        record_points(
            account.id,
            -pricing.points,
            LoyaltyKind.REDEEMED,
            f"Order #{order.id}",
            order_id=order.id,
            actor=placed_by,
        )
    if membership_cents:
        update_membership(account, placed_by or account, change="add_year")
    for item in db.session.scalars(select(CartItem).where(CartItem.account_id == account.id)):
        db.session.delete(item)
    return order


CHOOSE_PAYMENT = "Choose how to pay."


def available_payments(account: Account) -> list[PaymentChoice]:
    """How `account` may pay at checkout: the balance, at pickup, and the card on file when
    card payments are on and the default card hasn't expired."""
    choices = [PaymentChoice.BALANCE, PaymentChoice.PAY_AT_PICKUP]
    card = default_card(account.id)
    if payments_enabled() and card is not None and not card.is_expired:
        choices.append(PaymentChoice.CARD)
    return choices


def payment_choice(account: Account, raw: str | None) -> PaymentChoice:
    """The payment the checkout form names, when `account` may use it; ShopError if not
    (a card that expired since the cart page was shown, a forged value)."""
    try:
        choice = PaymentChoice(raw or "")
    except ValueError:
        raise ShopError(CHOOSE_PAYMENT) from None
    if choice not in available_payments(account):
        raise ShopError(CHOOSE_PAYMENT)
    return choice


def pay_placed_order(order: Order, account: Account, choice: PaymentChoice) -> ChargeResult | None:
    """After the order is committed: charge the card on file when that was the choice
    (payments.charge_order_with_saved_card commits each attempt); None for the other
    choices, which the order settles itself (balance) or leaves for pickup."""
    if choice != PaymentChoice.CARD:
        return None
    return charge_order_with_saved_card(order, account)


def preselected_payment(account: Account, market: Market, lines) -> PaymentChoice:
    """The payment checkout offers first: the balance only when it covers the order as
    the form starts (no points redeemed, membership added when no trial order is left)."""
    total = checkout_pricing(account, market, lines, redeem_points=False).total_cents
    if needs_membership(account, market) and not account.trial_orders_left:
        total += market.membership_price_cents
    if account.balance_cents >= total:
        return PaymentChoice.BALANCE
    return PaymentChoice.PAY_AT_PICKUP


@dataclass
class Pricing:
    goods_cents: int
    discount_percent: Decimal | None
    discount_cents: int
    points: int
    loyalty_cents: int

    @property
    def total_cents(self) -> int:
        return self.goods_cents - self.discount_cents - self.loyalty_cents


def checkout_pricing(account: Account, market: Market, lines, redeem_points: bool) -> Pricing:
    """What the cart costs after the group discount and, if asked, redeemed points."""
    goods = sum(line.total_cents for line in lines)
    percent, discount = group_discount_cents(account, goods)
    points, loyalty = (
        redeemable_cents(account, market, goods - discount) if redeem_points else (0, 0)
    )
    return Pricing(goods, percent, discount, points, loyalty)


def _delivery_address(account: Account, address_id):
    """The address chosen at checkout; the default shipping address when none was chosen."""
    if address_id in (None, ""):
        return default_shipping(account)
    address = address_of(account, address_id)
    if address is None:
        raise ShopError("Choose one of your addresses.")
    return address


def order_history(account: Account) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.account_id == account.id)
            .order_by(Order.placed_at.desc(), Order.id.desc())
        )
    )

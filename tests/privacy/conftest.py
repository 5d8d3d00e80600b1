"""A customer with something in every category lgadmin keeps, and the manager of their market."""

from datetime import timedelta
from decimal import Decimal

import pytest

from lgadmin.accounts.comments import add_comment
from lgadmin.act_as.models import ActAsAction, ActAsSession
from lgadmin.addresses.models import Address
from lgadmin.balance.service import adjust_balance
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.membership.service import update_membership
from lgadmin.onboarding.models import TokenPurpose
from lgadmin.onboarding.tokens import add_token
from lgadmin.orders.models import CartItem, PaymentChoice
from lgadmin.orders.service import apply_payment_to_open_orders, place_order
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, PaymentMethodFactory, ProductFactory

STRIPE_CUSTOMER = "cus_secret_robin"
RAW_PAYLOAD = '{"signature": {"token": "mailgun-signature-token"}}'


@pytest.fixture
def customer(market, manager):
    """Robin, with a settled history: every order paid, the balance at zero."""
    robin = AccountFactory(
        market=market,
        first_name="Robin",
        last_name="Hayes",
        email="robin@example.org",
        phone="+17065550123",
        address_line1="12 Oak St",
        city="Athens",
        region="GA",
        postal_code="30601",
        stripe_customer_id=STRIPE_CUSTOMER,
    )
    product = ProductFactory(grower__account__market=market, name="Heirloom tomatoes")
    db.session.add(
        Address(
            market_id=market.id,
            account_id=robin.id,
            label="Home",
            recipient="Robin Hayes",
            line1="12 Oak St",
            city="Athens",
            region="GA",
            postal_code="30601",
            is_default_shipping=True,
        )
    )
    order = place_order(robin, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    order.delivery_address = "Robin Hayes, 12 Oak St, Athens, GA 30601"
    db.session.flush()
    adjust_balance(
        robin.market,
        robin.id,
        order.total_cents,
        "cash",
        "",
        manager,
        pay_orders=apply_payment_to_open_orders,
    )
    update_membership(robin, manager, change="add_year")
    add_comment(robin, "Prefers the Saturday pickup.", author=manager)
    db.session.add(
        MailEvent(
            provider="mailgun",
            provider_event_id="evt-robin-unsub",
            kind=MailEventKind.UNSUBSCRIBE,
            email="robin@example.org",
            reason="clicked unsubscribe",
            market_id=market.id,
            account_id=robin.id,
            occurred_at=utcnow(),
            raw=RAW_PAYLOAD,
        )
    )
    session = ActAsSession(
        market_id=market.id,
        manager_id=manager.id,
        shopper_id=robin.id,
        reason="Phone call about an order",
        expires_at=utcnow() + timedelta(minutes=30),
        ended_at=utcnow(),
        end_reason="ended",
    )
    session.actions.append(ActAsAction(method="POST", path="/m/athens/cart", description="Cart"))
    db.session.add(session)
    add_token(robin, TokenPurpose.RESET_PASSWORD, timedelta(hours=1))
    db.session.add(CartItem(account_id=robin.id, product_id=product.id, quantity=Decimal(1)))
    db.session.commit()
    PaymentMethodFactory(account=robin, brand="visa", last4="4242", exp_month=7, exp_year=2031)
    return robin

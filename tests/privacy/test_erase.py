"""Erase customer: personal data replaced for good, the accounts kept (GDPR art. 17)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from lgadmin.accounts.models import Account, Comment
from lgadmin.act_as.models import ActAsSession
from lgadmin.addresses.models import Address
from lgadmin.audit.models import AuditEntry
from lgadmin.balance.models import LedgerEntry
from lgadmin.balance.service import adjust_balance
from lgadmin.deliverability.models import MailEvent
from lgadmin.extensions import db
from lgadmin.onboarding.models import Token
from lgadmin.orders.models import CartItem, Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.payments.models import PaymentMethod
from lgadmin.privacy.service import PrivacyError, erase_customer
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, ProductFactory


def _details(client, account) -> str:
    return client.get(f"/admin/customers/details/?id={account.id}").get_data(as_text=True)


def _erase(client, account, confirm="ERASE"):
    token = csrf_token_from(_details(client, account))
    return client.post(
        f"/admin/customers/{account.id}/erase",
        data={"csrf_token": token, "confirm": confirm},
        follow_redirects=True,
    )


def _unchanged(account_id: int) -> None:
    db.session.expire_all()
    account = db.session.get(Account, account_id)
    assert account.email == "robin@example.org"
    assert account.erased_at is None and account.active
    assert db.session.query(Comment).filter_by(account_id=account_id).count() == 1
    assert db.session.query(Address).filter_by(account_id=account_id).count() == 1
    assert db.session.query(AuditEntry).filter_by(action="customer.erased").count() == 0


def test_erasing_replaces_personal_data_and_keeps_the_accounts(
    manager_client, manager, customer, app
):
    orders_before = db.session.query(Order).filter_by(account_id=customer.id).count()
    ledger_before = db.session.query(LedgerEntry).filter_by(account_id=customer.id).count()

    page = _erase(manager_client, customer).get_data(as_text=True)

    db.session.expire_all()
    erased = db.session.get(Account, customer.id)
    assert erased.full_name == "Erased customer"
    assert erased.email == f"erased-{customer.id}@invalid"
    assert (erased.phone, erased.address_line1, erased.city, erased.postal_code) == ("", "", "", "")
    assert erased.password_hash is None and not erased.active and erased.erased_at is not None
    assert erased.stripe_customer_id is None
    for model in (Address, Comment, Token, PaymentMethod, CartItem):
        assert db.session.query(model).filter_by(account_id=customer.id).count() == 0, model
    orders = db.session.query(Order).filter_by(account_id=customer.id).all()
    assert len(orders) == orders_before == 1 and orders[0].delivery_address == ""
    assert db.session.query(LedgerEntry).filter_by(account_id=customer.id).count() == ledger_before
    event = db.session.query(MailEvent).filter_by(account_id=customer.id).one()
    assert "robin@example.org" not in event.email + event.raw

    entry = db.session.query(AuditEntry).filter_by(action="customer.erased").one()
    assert (entry.actor_id, entry.target_id) == (manager.id, customer.id)
    every_audit_row = " ".join(
        f"{row.summary} {row.details}"
        for row in db.session.query(AuditEntry).filter_by(target_id=customer.id)
    )
    assert "robin@example.org" not in every_audit_row and "Robin" not in every_audit_row

    assert "Erased on" in page and f"Customer #{customer.id} was erased." in page
    assert 'class="lg-erase-form' not in page and "Robin" not in page

    shopper = app.test_client()
    assert sign_in(shopper, customer, email="robin@example.org").status_code != 302


def test_erasing_needs_the_word_erase_typed(manager_client, customer):
    response = _erase(manager_client, customer, confirm="yes")

    assert response.status_code == 400
    assert "Type ERASE in capitals to erase this customer." in response.get_data(as_text=True)
    _unchanged(customer.id)


def test_a_customer_with_a_balance_is_not_erased(manager_client, manager, customer):
    adjust_balance(customer.market, customer.id, 500, "promo", "", manager)
    db.session.commit()

    page = _erase(manager_client, customer).get_data(as_text=True)

    assert "the balance is $5.00 (it must be zero)" in page
    _unchanged(customer.id)


def test_a_customer_with_an_open_order_is_not_erased(manager_client, market, customer):
    product = ProductFactory(grower__account__market=market)
    place_order(customer, [(product, Decimal(1))], PaymentChoice.CARD)
    db.session.commit()

    response = _erase(manager_client, customer)

    assert response.status_code == 400
    assert "1 order still open (unpaid and not cancelled)" in response.get_data(as_text=True)
    _unchanged(customer.id)


def test_a_cancelled_unpaid_order_does_not_block_erasure(manager, market, customer):
    product = ProductFactory(grower__account__market=market)
    order = place_order(customer, [(product, Decimal(1))], PaymentChoice.CARD)
    order.cancelled_at = utcnow()
    db.session.commit()

    erase_customer(manager, market, customer)
    db.session.commit()

    assert db.session.get(Account, customer.id).erased_at is not None


def test_the_details_page_says_why_erase_is_not_possible(manager_client, manager, customer):
    adjust_balance(customer.market, customer.id, -250, "correction", "", manager)
    db.session.commit()

    page = _details(manager_client, customer)

    assert "Erase customer is not possible now: the balance is −$2.50" in page
    assert 'class="lg-erase-form' not in page


def test_managers_are_not_erased(manager_client, market, manager):
    other_manager = AccountFactory(market=market, manager=True, email="mgr@example.org")

    page = _erase(manager_client, other_manager).get_data(as_text=True)

    assert "managers and staff accounts can&#39;t be erased" in page
    db.session.expire_all()
    assert db.session.get(Account, other_manager.id).email == "mgr@example.org"


def test_a_customer_in_an_active_act_as_session_is_not_erased(manager, market, customer):
    db.session.add(
        ActAsSession(
            market_id=market.id,
            manager_id=manager.id,
            shopper_id=customer.id,
            expires_at=utcnow() + timedelta(minutes=20),
        )
    )
    db.session.commit()

    with pytest.raises(PrivacyError, match="a manager is acting as this customer right now"):
        erase_customer(manager, market, customer)
    db.session.rollback()
    _unchanged(customer.id)


def test_erasure_cannot_be_repeated(manager, market, customer):
    erase_customer(manager, market, customer)
    db.session.commit()

    with pytest.raises(PrivacyError, match="already erased"):
        erase_customer(manager, market, customer)


def test_another_markets_customer_cannot_be_erased(manager_client, manager):
    stranger = AccountFactory(market=MarketFactory(), email="stranger@example.org")
    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))

    response = manager_client.post(
        f"/admin/customers/{stranger.id}/erase", data={"csrf_token": token, "confirm": "ERASE"}
    )

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Account, stranger.id).email == "stranger@example.org"


def test_the_erased_customers_open_session_ends(signed_in, manager, market, customer):
    shopper = signed_in(customer)
    assert shopper.get("/m/athens/account").status_code == 200

    erase_customer(manager, market, customer)
    db.session.commit()

    response = shopper.get("/m/athens/account")
    assert response.status_code == 302 and "sign-in" in response.headers["Location"]

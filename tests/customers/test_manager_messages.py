"""What the details page tells a manager: typed reasons, refused deletes, spam complainers."""

import re
from decimal import Decimal

from lgadmin.accounts.models import Account
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.timeutil import utcnow
from tests.customers.test_details import details, post, section
from tests.factories import AccountFactory, ProductFactory


def test_a_typed_balance_reason_is_echoed_as_typed(manager_client, market):
    customer = AccountFactory(market=market)
    reason = "Paid at the Saturday stall — thanks, Jo!"
    response = post(
        manager_client,
        customer,
        "adjust-balance",
        {"amount": "7.50", "reason_text": reason},
        follow=True,
    )
    html = response.get_data(as_text=True)
    assert "Balance adjusted by $7.50 (Paid at the Saturday stall — thanks, Jo!)." in html
    assert "(Other)" not in html


def test_a_refused_delete_shows_its_reasons_beside_the_button_and_at_the_top(
    manager_client, market
):
    customer = AccountFactory(market=market, active=False)
    token_page = details(manager_client, customer)
    assert "Delete Account" in section(token_page, "delete")
    # An order arrives between opening the page and pressing the button.
    product = ProductFactory(grower__account__market=market)
    place_order(customer, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    response = post(manager_client, customer, "delete-account", {"confirm": "y"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    reason = "This account can&#39;t be deleted: the customer has 1 order"
    top = html.split('class="lg-details-header')[0]
    assert reason in top  # the alert above the page
    delete = section(html, "delete")
    button_then_reason = re.search(
        r'value="Delete Account"[^>]*>\s*'
        r'<div class="text-danger[^"]*lg-delete-refused"[^>]*>([^<]+)<',
        delete,
    )
    assert button_then_reason and reason in button_then_reason.group(1)
    assert db.session.get(Account, customer.id) is not None


def complain(account):
    account.receives_mailings = account.active = False
    db.session.add(
        MailEvent(
            provider="postmark",
            provider_event_id=f"complaint-{account.id}",
            kind=MailEventKind.SPAM_COMPLAINT,
            email=account.email,
            market_id=account.market_id,
            account_id=account.id,
            occurred_at=utcnow(),
            processed_at=utcnow(),
            raw="{}",
        )
    )
    db.session.commit()


SPECIAL = {"version": "1", "receives_mailings": "y", "active": "y", "line_position": "first"}


def test_mailings_of_a_spam_complainer_come_back_only_when_the_manager_confirms(
    manager_client, market
):
    customer = AccountFactory(market=market)
    complain(customer)
    page = section(details(manager_client, customer), "special")
    assert "Reported our mail as spam on" in page
    assert "They agreed to receive our emails again" in page

    refused = post(manager_client, customer, "special-info", SPECIAL)
    assert refused.status_code == 400
    assert "This customer reported our mail as spam." in section(
        refused.get_data(as_text=True), "special"
    )
    db.session.expire_all()
    assert not db.session.get(Account, customer.id).receives_mailings

    agreed = post(manager_client, customer, "special-info", {**SPECIAL, "complainer_agreed": "y"})
    assert agreed.status_code == 302
    db.session.expire_all()
    account = db.session.get(Account, customer.id)
    assert account.receives_mailings and account.active


def test_a_hard_bounce_or_an_ordinary_opt_out_asks_nothing_more(manager_client, market):
    customer = AccountFactory(market=market, receives_mailings=False)
    assert "They agreed to receive" not in details(manager_client, customer)
    assert post(manager_client, customer, "special-info", SPECIAL).status_code == 302

"""The customer details page and the manager's actions on it (spec 000)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from lgadmin.accounts.comments import add_comment
from lgadmin.accounts.models import Account, LinePosition
from lgadmin.audit.models import AuditEntry
from lgadmin.balance.models import LedgerEntry
from lgadmin.catalog.models import GrowerApproval
from lgadmin.extensions import db
from lgadmin.orders.models import CartItem, Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.timeutil import market_today
from tests.conftest import csrf_token_from
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    PaymentMethodFactory,
    PickupLocationFactory,
    ProductFactory,
)


@pytest.fixture(autouse=True)
def pickup_locations(market):
    """The market offers pickup locations: Downtown Pavilion, Eastside Co-op."""
    market.pickup_locations_enabled = True
    PickupLocationFactory(market=market, name="Downtown Pavilion")
    PickupLocationFactory(market=market, name="Eastside Co-op")
    db.session.commit()


@pytest.fixture
def customer(market):
    return AccountFactory(
        market=market,
        first_name="Robin",
        last_name="Hayes",
        email="robin@example.org",
        phone="+17065550123",
        address_line1="12 Oak St",
        city="Athens",
        region="GA",
        postal_code="30601",
        pickup_location=market.pickup_locations[0],
    )


def details(client, account):
    response = client.get(f"/admin/customers/details/?id={account.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(client, account, action, data, follow=False):
    token = csrf_token_from(details(client, account))
    return client.post(
        f"/admin/customers/{account.id}/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=follow,
    )


def section(html, anchor):
    return html.split(f'id="{anchor}"')[1].split("</section>")[0]


def test_every_section_of_spec_000_is_shown(manager_client, market, customer):
    PaymentMethodFactory(account=customer, brand="visa", last4="4242")
    product = ProductFactory(
        grower__account__market=market, name="Heirloom tomatoes", price_cents=450, unit="lb"
    )
    order = place_order(
        customer,
        [(product, Decimal(2))],
        PaymentChoice.PAY_AT_PICKUP,
        includes_membership_cents=2500,
    )
    db.session.add(CartItem(account_id=customer.id, product_id=product.id, quantity=Decimal(3)))
    add_comment(customer, "Hard bounce on 5/31/2026, 2:14 PM. Disabling email notifications.")
    db.session.commit()
    html = details(manager_client, customer)
    account_info = section(html, "account-information")
    assert "robin@example.org" in account_info
    assert '<a href="mailto:robin@example.org">' in account_info
    assert "(706) 555-0123" in account_info
    assert "12 Oak St" in account_info and "Athens, GA 30601" in account_info
    assert "Downtown Pavilion" in account_info
    assert "Visa •••• 4242" in section(html, "payment-information")
    assert "Not a member" in section(html, "membership")
    orders = section(html, "orders")
    assert f"/admin/customers/orders/{order.id}" in orders
    assert "$34.00" in orders and ">membership</span>" in orders and "Owes $34.00" in orders
    cart = section(html, "cart")
    assert "Heirloom tomatoes" in cart and ">3<" in cart and ">lb<" in cart
    assert 'lg-cart-total">$13.50<' in cart
    balance = section(html, "balance")
    assert "−$34.00" in balance and "Adjust Balance" in balance
    assert "Apply to all open orders" in balance
    adjustments = section(html, "adjustments")
    assert f"Order #{order.id}" in adjustments and "Complete history (1)" in adjustments
    assert "Hard bounce on 5/31/2026" in section(html, "comments")
    assert "Act as" in html and "Edit Customer Info" in html
    assert html.count('id="lg-act-as-modal"') == 1
    assert 'id="grower"' not in html


def test_payment_information_without_a_card_and_never_a_full_number(manager_client, customer):
    html = details(manager_client, customer)
    assert "No saved payment method" in section(html, "payment-information")
    PaymentMethodFactory(account=customer, last4="1111", exp_year=2020, exp_month=3)
    payment = section(details(manager_client, customer), "payment-information")
    assert "•••• 1111" in payment and "(expired)" in payment
    assert not re.search(r"\d{12,}", payment)


def test_grower_information_for_growers(manager_client, market):
    grower = GrowerFactory(
        account__market=market,
        name="Sunny Hollow Farm",
        approval=GrowerApproval.APPROVED,
        balance_cents=12345,
    )
    ProductFactory(grower=grower)
    ProductFactory(grower=grower, active=False)
    html = section(details(manager_client, grower.account), "grower")
    assert "Sunny Hollow Farm" in html and "Approved" in html
    assert '<dd class="col-sm-7">1</dd>' in html and "$123.45" in html
    assert "Not required (approved grower)" in details(manager_client, grower.account)


def test_adjust_balance_shows_the_new_balance_at_once(manager_client, customer):
    response = post(
        manager_client,
        customer,
        "adjust-balance",
        {"amount": "25.00", "reason": "cash"},
        follow=True,
    )
    html = response.get_data(as_text=True)
    assert "Balance adjusted by $25.00 (Customer Paid Cash). New balance: $25.00." in html
    assert "$25.00" in section(html, "balance")


def test_typed_reason_and_other(manager_client, customer):
    post(manager_client, customer, "adjust-balance", {"amount": "-3", "reason_text": "Bag fee"})
    response = post(manager_client, customer, "adjust-balance", {"amount": "5", "reason": "other"})
    assert response.status_code == 400
    assert "Pick a reason or type your own." in response.get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(Account, customer.id)
    assert account.balance_cents == -300


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.234", "Use at most two decimals."),
        ("ten", "Enter an amount like 12.50 or -5."),
        ("0", "Enter an amount other than zero."),
        ("250000", "Adjustments are limited to 100,000.00 either way."),
        ("", "Enter an amount."),
    ],
)
def test_bad_amounts_get_a_message_beside_the_field_and_save_nothing(
    manager_client, customer, amount, message
):
    response = post(
        manager_client, customer, "adjust-balance", {"amount": amount, "reason": "cash"}
    )
    assert response.status_code == 400
    balance = section(response.get_data(as_text=True), "balance")
    assert f'<div class="invalid-feedback d-block" id="amount-error-1">{message}</div>' in balance
    db.session.expire_all()
    assert db.session.get(Account, customer.id).balance_cents == 0
    assert db.session.query(AuditEntry).filter(AuditEntry.action != "auth.signed_in").count() == 0


def test_apply_to_open_orders_marks_the_order_paid(manager_client, market, customer):
    product = ProductFactory(grower__account__market=market, price_cents=1500)
    order = place_order(customer, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    post(
        manager_client,
        customer,
        "adjust-balance",
        {"amount": "15", "reason": "cash", "apply_to_open_orders": "y"},
    )
    db.session.expire_all()
    assert db.session.get(Order, order.id).amount_due_cents == 0
    assert "Paid" in section(details(manager_client, customer), "orders")


def test_update_membership_add_a_month(manager_client, customer):
    response = post(
        manager_client, customer, "membership", {"change": "add_month", "version": "1"}, follow=True
    )
    assert "Membership updated: now expires" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, customer.id).membership_expires_on > market_today(
        customer.market
    )


def test_update_membership_to_a_date_from_the_picker(manager_client, customer):
    post(manager_client, customer, "membership", {"expires_on": "2031-07-04", "version": "1"})
    db.session.expire_all()
    assert db.session.get(Account, customer.id).membership_expires_on == date(2031, 7, 4)


def test_edit_customer_info_saves_and_normalises(manager_client, market, customer):
    response = post(
        manager_client,
        customer,
        "edit-info",
        {
            "version": "1",
            "first_name": "Robin",
            "last_name": "Hayes-Smith",
            "email": " Robin.H@Example.org ",
            "phone": "706 555 0199",
            "address_line1": "99 Prince Ave",
            "city": "Athens",
            "region": "GA",
            "postal_code": "30606",
            "pickup_location_id": str(market.pickup_locations[1].id),
            "manager_comments": "Prefers text messages.",
        },
        follow=True,
    )
    assert "Customer information saved." in response.get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(Account, customer.id)
    assert account.email == "robin.h@example.org"
    assert account.phone == "+17065550199"
    assert account.pickup_location_id == market.pickup_locations[1].id
    assert account.version == 2
    assert db.session.query(AuditEntry).filter_by(action="customer.info_updated").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "", "Last name is required."),
        ("email", "", "Email is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("email", "taken@example.org", "Another customer at this market already uses this email."),
        ("phone", "12", "Enter a valid phone number"),
    ],
)
def test_edit_customer_info_refuses_bad_input_beside_the_field(
    manager_client, market, customer, field, value, message
):
    AccountFactory(market=market, email="taken@example.org")
    data = {
        "version": "1",
        "first_name": "Robin",
        "last_name": "Hayes",
        "email": "robin@example.org",
        "phone": "",
        field: value,
    }
    response = post(manager_client, customer, "edit-info", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    edit = html.split('id="edit-info"')[1].split("</form>")[0]
    assert message in edit
    db.session.expire_all()
    assert db.session.get(Account, customer.id).email == "robin@example.org"


def test_the_same_email_at_another_market_is_fine(manager_client, customer):
    AccountFactory(market=MarketFactory(), email="elsewhere@example.org")
    response = post(
        manager_client,
        customer,
        "edit-info",
        {"version": "1", "last_name": "Hayes", "email": "elsewhere@example.org"},
    )
    assert response.status_code == 302


def test_a_stale_form_never_overwrites_newer_data(manager_client, manager, customer):
    post(
        manager_client,
        customer,
        "edit-info",
        {"version": "1", "last_name": "First", "email": "robin@example.org"},
    )
    response = post(
        manager_client,
        customer,
        "edit-info",
        {"version": "1", "last_name": "Second", "email": "robin@example.org"},
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, customer.id).last_name == "First"


def test_update_special_info(manager_client, customer):
    response = post(
        manager_client,
        customer,
        "special-info",
        {
            "version": "1",
            "is_volunteer": "y",
            "receives_mailings": "y",
            "active": "y",
            "line_position": "first",
        },
        follow=True,
    )
    assert "Special information updated." in response.get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(Account, customer.id)
    assert account.is_volunteer and account.line_position == LinePosition.FIRST
    entry = db.session.query(AuditEntry).filter_by(action="customer.special_info_updated").one()
    assert "Market Volunteer on" in entry.summary


def test_marking_an_account_inactive_stops_its_sign_in_and_keeps_its_data(
    app, manager_client, customer
):
    post(
        manager_client,
        customer,
        "special-info",
        {"version": "1", "receives_mailings": "y", "line_position": "first_come"},
    )
    db.session.expire_all()
    assert db.session.get(Account, customer.id).active is False
    from tests.conftest import sign_in

    assert sign_in(app.test_client(), customer).status_code == 200
    assert "robin@example.org" in details(manager_client, customer)


def test_a_manager_cannot_demote_or_deactivate_themselves(manager_client, manager):
    response = post(
        manager_client,
        manager,
        "special-info",
        {"version": "1", "active": "y", "receives_mailings": "y", "line_position": "first_come"},
    )
    assert "You can&#39;t take away your own manager access." in response.get_data(as_text=True)
    response = post(
        manager_client,
        manager,
        "special-info",
        {
            "version": "1",
            "is_manager": "y",
            "receives_mailings": "y",
            "line_position": "first_come",
        },
    )
    assert "You can&#39;t deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    account = db.session.get(Account, manager.id)
    assert account.is_manager and account.active


def test_delete_appears_only_when_the_rules_allow(manager_client, market, customer):
    assert 'id="delete"' not in details(manager_client, customer)
    inactive = AccountFactory(market=market, active=False, email="gone@example.org")
    add_comment(inactive, "Moved away.")
    db.session.commit()
    assert "Delete Account" in section(details(manager_client, inactive), "delete")
    refused = post(manager_client, inactive, "delete-account", {})
    assert refused.status_code == 400
    assert "Tick the box to confirm the deletion." in refused.get_data(as_text=True)
    inactive_id = inactive.id
    response = post(manager_client, inactive, "delete-account", {"confirm": "y"}, follow=True)
    assert "was permanently deleted" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Account, inactive_id) is None
    entry = db.session.query(AuditEntry).filter_by(action="customer.deleted").one()
    assert "gone@example.org" in entry.summary


def test_the_server_checks_the_deletion_rules_again(manager_client, market, customer):
    owing = AccountFactory(market=market, active=False)
    product = ProductFactory(grower__account__market=market)
    place_order(owing, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    paid_ahead = AccountFactory(market=market, active=False)
    from lgadmin.balance.service import adjust_balance

    adjust_balance(paid_ahead.market, paid_ahead.id, 1000, "check", "", None)
    db.session.commit()
    for account in (customer, owing, paid_ahead):
        response = post(manager_client, account, "delete-account", {"confirm": "y"})
        assert response.status_code == 400
        assert "This account can&#39;t be deleted" in response.get_data(as_text=True)
        assert db.session.get(Account, account.id) is not None


def test_an_empty_cart_does_not_block_deletion(manager_client, market):
    account = AccountFactory(market=market, active=False)
    db.session.add(
        CartItem(
            account_id=account.id,
            product_id=ProductFactory(grower__account__market=market).id,
            quantity=Decimal(1),
        )
    )
    db.session.commit()
    assert post(manager_client, account, "delete-account", {"confirm": "y"}).status_code == 302


ACTIONS = [
    ("adjust-balance", {"amount": "5", "reason": "cash"}),
    ("membership", {"change": "add_year"}),
    ("edit-info", {"last_name": "X", "email": "x@example.org"}),
    ("special-info", {"line_position": "first"}),
    ("comments", {"body": "hi"}),
    ("delete-account", {"confirm": "y"}),
]


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_a_post_for_another_markets_account_is_a_404_and_changes_nothing(
    manager_client, customer, action, data
):
    stranger = AccountFactory(market=MarketFactory(), active=False, email="s@other.org")
    token = csrf_token_from(details(manager_client, customer))
    response = manager_client.post(
        f"/admin/customers/{stranger.id}/{action}", data={"csrf_token": token, **data}
    )
    assert response.status_code == 404
    db.session.expire_all()
    after = db.session.get(Account, stranger.id)
    assert after is not None and after.balance_cents == 0 and after.email == "s@other.org"
    assert after.membership_expires_on is None and after.line_position == LinePosition.FIRST_COME


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_every_action_needs_a_csrf_token(manager_client, customer, action, data):
    response = manager_client.post(f"/admin/customers/{customer.id}/{action}", data=data)
    assert response.status_code == 400


def test_related_pages_stay_in_the_market(manager_client, market, customer):
    other_account = AccountFactory(market=MarketFactory())
    product = ProductFactory(grower__account__market=other_account.market)
    order = place_order(other_account, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    entry_id = order.id
    assert manager_client.get(f"/admin/customers/orders/{order.id}").status_code == 404
    assert manager_client.get(f"/admin/customers/{other_account.id}/history").status_code == 404
    from lgadmin.balance.models import LedgerEntry

    entry = db.session.query(LedgerEntry).filter_by(account_id=other_account.id).one()
    assert manager_client.get(f"/admin/customers/adjustments/{entry.id}").status_code == 404
    assert entry_id


def test_adjustment_and_order_pages_and_the_complete_history(
    manager_client, market, customer, manager
):
    product = ProductFactory(grower__account__market=market, price_cents=800, name="Honey")
    order = place_order(customer, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    post(
        manager_client,
        customer,
        "adjust-balance",
        {"amount": "16", "reason": "check", "apply_to_open_orders": "y"},
    )
    html = details(manager_client, customer)
    link = re.search(r'href="(/admin/customers/adjustments/\d+)">', section(html, "adjustments"))
    adjustment = manager_client.get(link.group(1)).get_data(as_text=True)
    assert "Customer Paid Check" in adjustment and "Maria Lopez" in adjustment
    assert f"Order #{order.id}</a>: $16.00" in adjustment
    order_page = manager_client.get(f"/admin/customers/orders/{order.id}").get_data(as_text=True)
    assert "Honey" in order_page and "Paid" in order_page
    history = manager_client.get(f"/admin/customers/{customer.id}/history").get_data(as_text=True)
    assert history.count("/admin/customers/adjustments/") == 2


def test_comments_newest_first_and_html_shown_as_text(manager_client, customer, manager):
    add_comment(customer, "Older system note.")
    db.session.commit()
    post(manager_client, customer, "comments", {"body": "<b>Allergic</b> to nuts"})
    comments = section(details(manager_client, customer), "comments")
    assert comments.index("&lt;b&gt;Allergic&lt;/b&gt; to nuts") < comments.index("Older system")
    assert "Maria Lopez" in comments and "System" in comments


def test_audit_log_is_viewable_for_the_market_only(manager_client, customer, manager):
    post(manager_client, customer, "adjust-balance", {"amount": "5", "reason": "promo"})
    post(manager_client, customer, "membership", {"change": "add_year", "version": "1"})
    other = AccountFactory(market=MarketFactory())
    from lgadmin.audit.service import record

    record(other, other.market_id, "customer.deleted", other, "Secret other market entry")
    db.session.commit()
    html = manager_client.get("/admin/audit-log/").get_data(as_text=True)
    assert "membership.updated" in html and "Maria Lopez" in html
    assert "Secret other market entry" not in html
    foreign = db.session.query(AuditEntry).filter_by(market_id=other.market_id).one()
    assert manager_client.get(f"/admin/audit-log/details/?id={foreign.id}").status_code == 404


def test_membership_is_not_required_for_market_managers(manager_client, manager):
    assert "Not required (market manager)" in section(
        details(manager_client, manager), "membership"
    )


def test_joined_and_dates_are_in_the_market_time_zone(manager_client, market):
    from datetime import datetime

    account = AccountFactory(market=market, joined_at=datetime(2026, 6, 1, 3, 30))
    html = section(details(manager_client, account), "account-information")
    assert "5/31/2026, 11:30 PM" in html  # New York is four hours behind UTC in June
    assert timedelta


def test_balance_adjustments_land_in_the_audit_log(manager_client, customer, manager):
    post(manager_client, customer, "adjust-balance", {"amount": "-2.50", "reason": "correction"})
    entry = db.session.query(AuditEntry).filter_by(action="balance.adjusted").one()
    assert entry.actor_id == manager.id and entry.target_id == customer.id
    assert entry.details["amount_cents"] == -250 and "Correction" in entry.summary


def test_turning_mail_back_on_after_a_hard_bounce_is_noted_with_who(manager_client, market):
    from lgadmin.timeutil import utcnow

    bounced = AccountFactory(market=market, receives_mailings=False, email_bounced_at=utcnow())
    post(
        manager_client,
        bounced,
        "special-info",
        {"version": "1", "active": "y", "receives_mailings": "y", "line_position": "first_come"},
    )
    db.session.expire_all()
    account = db.session.get(Account, bounced.id)
    assert account.receives_mailings and account.email_bounced_at is None
    comments = section(details(manager_client, account), "comments")
    assert "Receives Mailings re-enabled on" in comments and "by Maria Lopez." in comments


def test_a_phone_reads_the_same_on_the_details_the_edit_form_and_every_export(
    manager_client, market, customer
):
    import csv
    import io

    from openpyxl import load_workbook

    abroad = AccountFactory(market=market, email="abroad@example.org", phone="+442079460958")
    html = details(manager_client, customer)
    assert "(706) 555-0123" in section(html, "account-information")
    edit = html.split('id="edit-info"')[1].split("</form>")[0]
    assert re.search(r'name="phone"[^>]*value="\(706\) 555-0123"', edit), edit
    assert "+44 20 7946 0958" in section(details(manager_client, abroad), "account-information")

    def as_read(cell):
        # A cell starting with "+" carries the exports' formula-neutralising apostrophe.
        return cell[1:] if cell.startswith("'+") else cell

    def csv_phones(url):
        text = manager_client.get(url).get_data().decode("utf-8-sig")
        return {row["email"]: as_read(row["phone"]) for row in csv.DictReader(io.StringIO(text))}

    expected = {"robin@example.org": "(706) 555-0123", "abroad@example.org": "+44 20 7946 0958"}
    for url in ("/admin/customers/export/csv", "/admin/customers/export.csv"):
        phones = csv_phones(url)
        assert {email: phones[email] for email in expected} == expected, url
    sheet = load_workbook(
        io.BytesIO(manager_client.get("/admin/customers/export/xlsx").get_data())
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    email_at, phone_at = rows[0].index("email"), rows[0].index("phone")
    phones = {row[email_at]: as_read(row[phone_at] or "") for row in rows[1:]}
    assert {email: phones[email] for email in expected} == expected

    # Saved back as shown, the number is the same number: nothing changed.
    post(
        manager_client,
        customer,
        "edit-info",
        {
            "version": "1",
            "first_name": "Robin",
            "last_name": "Hayes",
            "email": "robin@example.org",
            "phone": "(706) 555-0123",
        },
    )
    db.session.expire_all()
    assert db.session.get(Account, customer.id).phone == "+17065550123"


def test_the_same_adjust_balance_form_posted_twice_applies_once(manager_client, customer):
    page = details(manager_client, customer)
    token = csrf_token_from(page)
    key = re.search(r'id="submission_key" name="submission_key" type="hidden" value="(\w+)"', page)
    form = {"csrf_token": token, "amount": "25.00", "reason": "cash", "submission_key": key[1]}
    url = f"/admin/customers/{customer.id}/adjust-balance"
    first = manager_client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    second = manager_client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "Balance adjusted by $25.00" in first
    assert "This adjustment was saved already; it was not applied a second time." in second
    db.session.expire_all()
    assert db.session.get(Account, customer.id).balance_cents == 2500
    rows = db.session.scalars(db.select(LedgerEntry).where(LedgerEntry.account_id == customer.id))
    assert len(rows.all()) == 1

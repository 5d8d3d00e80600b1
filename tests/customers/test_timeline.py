"""The customer's Timeline (issue 13): everything that happened to the account, newest first,
paged, read from the tables that record it, and only ever this market's rows."""

import html as html_lib
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from lgadmin.accounts.models import Account
from lgadmin.act_as.models import ActAsSession
from lgadmin.act_as.service import end_act_as, start_act_as
from lgadmin.audit.service import record
from lgadmin.balance.models import LedgerEntry, LedgerKind
from lgadmin.balance.service import adjust_balance
from lgadmin.customers.service import update_special_info
from lgadmin.customers.timeline import timeline_page
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.deliverability.providers import ReportedEvent
from lgadmin.deliverability.service import apply_mail_event
from lgadmin.deliverability.storage import store_reported_events
from lgadmin.extensions import db
from lgadmin.membership.service import update_membership
from lgadmin.onboarding.invitations import send_invitations
from lgadmin.onboarding.models import Invitation, Token, TokenPurpose
from lgadmin.onboarding.service import sign_up
from lgadmin.onboarding.tokens import (
    hash_token,
    issue_password_token,
    set_password_with_token,
    usable_password_token,
)
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.timeutil import utcnow
from tests.conftest import counting_statements, csrf_token_from, sign_in
from tests.factories import PASSWORD, AccountFactory, MarketFactory, ProductFactory
from tests.onboarding.helpers import link_in, local_path, post_form


@pytest.fixture(autouse=True)
def sign_in_links_on(market):
    """Every test here runs with sign-in links on in the market."""
    market.sign_in_link_enabled = True
    db.session.commit()


@pytest.fixture(autouse=True)
def manager_named_jane(manager):
    """The timeline names who did what: here the manager is Jane Manager."""
    manager.first_name, manager.last_name = "Jane", "Manager"
    db.session.commit()


@pytest.fixture
def customer(market):
    return AccountFactory(market=market, email="robin@example.org", first_name="Robin")


def timeline_texts(client, account, **args) -> list[str]:
    response = client.get(f"/admin/customers/{account.id}/timeline", query_string=args)
    assert response.status_code == 200
    return texts_in(response.get_data(as_text=True))


def texts_in(page: str) -> list[str]:
    cells = re.findall(r'<td class="lg-timeline-text">(.*?)</td>', page, re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def a_history(app, market, manager) -> Account:
    """Robin's life at the market, through the same services the screens use."""
    send_invitations(manager, market, "robin@example.org", "Come and shop", "form-1")
    robin = sign_up(
        market,
        {"first_name": "Robin", "last_name": "Hayes", "email": "robin@example.org"},
        PASSWORD,
    )
    assert sign_in(app.test_client(), robin).status_code == 302
    raw = issue_password_token(robin, TokenPurpose.RESET_PASSWORD)
    db.session.commit()
    set_password_with_token(usable_password_token(market, raw), "Another123")
    db.session.commit()
    adjust_balance(robin.market, robin.id, 500, "correction", "refund", manager)
    adjust_balance(robin.market, robin.id, 2000, "cash", "", manager)
    product = ProductFactory(grower__account__market=market, price_cents=450)
    order = place_order(robin, [(product, Decimal(1))], PaymentChoice.BALANCE)
    update_membership(robin, manager, change="add_year")
    update_special_info(robin, manager, {"is_volunteer": True}, robin.line_position.value)
    db.session.commit()
    (event_id,) = store_reported_events(
        "lgadmin",
        [
            ReportedEvent(
                provider_event_id="bounce-1",
                kind=MailEventKind.HARD_BOUNCE,
                raw="{}",
                email="robin@example.org",
                reason="mailbox unavailable",
                market_id=market.id,
            )
        ],
    )
    apply_mail_event(event_id)
    session = start_act_as(manager, robin, "helping with an order")
    db.session.commit()
    end_act_as(session, "ended")
    session.ended_at = session.started_at + timedelta(minutes=12)
    record(manager, market.id, "customer.merged", robin, "Merged", merged_email="old@example.org")
    record(manager, market.id, "customer.data_exported", robin, "Downloaded the data")
    record(manager, market.id, "customer.bulk_tagged", robin, "Tagged as a regular")
    db.session.commit()
    robin.order_number = order.id
    return robin


def test_every_kind_reads_as_one_line_newest_first(app, manager_client, market, manager):
    robin = a_history(app, market, manager)
    year = robin.membership_expires_on.isoformat()
    assert timeline_texts(manager_client, robin) == [
        "Tagged as a regular by Jane Manager",
        "Customer data downloaded by Jane Manager",
        "Merged account of old@example.org by Jane Manager",
        "Act-as session by Jane Manager (12 min): helping with an order",
        "Mail bounced (hard): mailbox unavailable",
        "Flag Market Volunteer: off → on by Jane Manager",
        f"Membership: none → {year} by Jane Manager",
        f"Order #{robin.order_number} placed ($4.50)",
        "Payment received +$20.00 by Jane Manager: Customer Paid Cash",
        "Balance adjusted +$5.00 by Jane Manager: refund",
        "Reset the password",
        "Password reset link emailed (used)",
        "Signed in",
        "Signed up",
        "Account created",
        "Invited to join by Jane Manager (accepted)",
    ]


def test_an_account_a_manager_created_says_who_and_links_lead_to_the_records(
    manager_client, market, manager
):
    robin = AccountFactory(market=market, created_by=manager, joined_at=utcnow())
    entry = adjust_balance(robin.market, robin.id, -250, "other", "Bag fee", manager)
    product = ProductFactory(grower__account__market=market, price_cents=450)
    order = place_order(robin, [(product, Decimal(2))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    page = manager_client.get(f"/admin/customers/{robin.id}/timeline").get_data(as_text=True)
    assert texts_in(page) == [
        f"Order #{order.id} placed ($9.00)",
        "Balance adjusted −$2.50 by Jane Manager: Bag fee",
        "Account created by Jane Manager",
    ]
    assert f'href="/admin/customers/orders/{order.id}"' in page
    assert f'href="/admin/customers/adjustments/{entry.id}"' in page


def test_flag_changes_show_who_before_and_after(manager_client, market, manager, customer):
    update_special_info(
        customer, manager, {"receives_mailings": False, "is_wholesale": True}, "last"
    )
    db.session.commit()
    assert timeline_texts(manager_client, customer)[0] == (
        "Flag Wholesale Account: off → on; Flag Receives Mailings: on → off; "
        "Line Position: First come, first served → Always last in line by Jane Manager"
    )


def test_sign_ins_by_password_and_by_emailed_link_are_recorded(
    app, manager_client, market, customer, mailbox
):
    shopper = app.test_client()
    assert sign_in(shopper, customer).status_code == 302
    other = app.test_client()
    post_form(other, f"/m/{market.slug}/sign-in/link", {"email": customer.email})
    (message,) = mailbox.to(customer.email)
    path = local_path(link_in(message, "/sign-in/link/"))
    token = csrf_token_from(other.get(path).get_data(as_text=True))
    assert other.post(path, data={"csrf_token": token}).status_code == 302
    assert timeline_texts(manager_client, customer) == [
        "Signed in with an emailed link",
        "Sign-in link emailed (used)",
        "Signed in",
        "Account created",
    ]
    assert timeline_texts(manager_client, customer, kind="sign_ins") == [
        "Signed in with an emailed link",
        "Sign-in link emailed (used)",
        "Signed in",
    ]
    assert timeline_texts(manager_client, customer, kind="orders") == []


def _many_rows_of_every_kind(market, manager, account, each: int) -> None:
    """`each` rows of every source, many sharing a timestamp, so the tie-break is exercised."""
    start = utcnow() - timedelta(days=30)
    rows = []
    for n in range(each):
        at = start + timedelta(minutes=n // 3)  # three rows per minute in each source
        rows += [
            LedgerEntry(
                market_id=market.id,
                account_id=account.id,
                kind=LedgerKind.ADJUSTMENT,
                amount_cents=100 + n,
                balance_after_cents=0,
                reason_text=f"credit {n}",
                created_by_id=manager.id,
                created_at=at,
            ),
            Order(
                market_id=market.id,
                account_id=account.id,
                placed_at=at,
                total_cents=1000 + n,
                amount_due_cents=0,
                cancelled_at=at + timedelta(hours=1) if n % 10 == 0 else None,
            ),
            MailEvent(
                provider="lgadmin",
                provider_event_id=f"event-{account.id}-{n}",
                kind=MailEventKind.OTHER,
                email=account.email,
                market_id=market.id,
                received_at=at,
                raw="{}",
            ),
            ActAsSession(
                market_id=market.id,
                manager_id=manager.id,
                shopper_id=account.id,
                started_at=at,
                last_seen_at=at + timedelta(minutes=5),
                ended_at=at + timedelta(minutes=5),
                end_reason="ended",
                expires_at=at + timedelta(hours=1),
            ),
            Token(
                account_id=account.id,
                purpose=TokenPurpose.SIGN_IN_LINK,
                token_hash=hash_token(f"token-{account.id}-{n}"),
                created_at=at,
                expires_at=at + timedelta(minutes=15),
            ),
            Invitation(
                market_id=market.id,
                email=account.email,
                token_hash=hash_token(f"invitation-{account.id}-{n}"),
                invited_by_id=manager.id,
                created_at=at,
            ),
        ]
    db.session.add_all(rows)
    for n in range(each):
        for action in ("auth.signed_in", "customer.info_updated"):
            entry = record(account, market.id, action, account, f"{action} {n}", fields=["phone"])
            entry.created_at = start + timedelta(minutes=n // 3)
    db.session.commit()


def test_pages_continue_exactly_where_the_last_ended(market, manager, customer):
    _many_rows_of_every_kind(market, manager, customer, each=40)
    everything = timeline_page(market, customer, per_page=1000).entries
    assert len(everything) == 40 * 8 + 4 + 1  # 8 sources, 4 cancellations, the account itself
    assert [e.at for e in everything] == sorted((e.at for e in everything), reverse=True)
    pages, page = [], 1
    while True:
        result = timeline_page(market, customer, page=page)
        pages.append(result)
        if not result.has_older:
            break
        page += 1
    assert [len(p.entries) for p in pages] == [50] * 6 + [25]
    assert [p.has_newer for p in pages] == [False] + [True] * 6
    keys = [entry.key for page in pages for entry in page.entries]
    assert keys == [entry.key for entry in everything]
    assert len(set(keys)) == len(keys)


def test_a_page_of_fifty_takes_two_statements_however_long_the_history(
    manager_client, market, manager, customer
):
    _many_rows_of_every_kind(market, manager, customer, each=60)
    db.session.expire_all()
    customer = db.session.get(Account, customer.id)
    market = customer.market
    with counting_statements() as statements:
        page = timeline_page(market, customer, page=3)
    assert len(page.entries) == 50
    assert len(statements) == 2

    # One entry (created by the manager) against 50 of 500: the same statements.
    quiet = AccountFactory(market=market, created_by=manager)
    for busy_path, quiet_path in (
        (f"{customer.id}/timeline?page=3", f"{quiet.id}/timeline"),
        (f"details/?id={customer.id}", f"details/?id={quiet.id}"),
    ):
        with counting_statements() as busy:
            html = manager_client.get(f"/admin/customers/{busy_path}").get_data(as_text=True)
        assert len(texts_in(html)) == 50
        with counting_statements() as calm:
            html = manager_client.get(f"/admin/customers/{quiet_path}").get_data(as_text=True)
        assert texts_in(html) == ["Account created by Jane Manager"]
        assert len(busy) == len(calm), busy_path


def test_the_filter_shows_one_kind_of_entry(manager_client, market, manager, customer):
    _many_rows_of_every_kind(market, manager, customer, each=3)
    adjust_balance(customer.market, customer.id, 700, "promo", "Welcome", manager)
    db.session.commit()
    assert timeline_texts(manager_client, customer, kind="balance") == [
        "Balance adjusted +$7.00 by Jane Manager: Welcome",
        "Balance adjusted +$1.02 by Jane Manager: credit 2",
        "Balance adjusted +$1.01 by Jane Manager: credit 1",
        "Balance adjusted +$1.00 by Jane Manager: credit 0",
    ]
    orders = timeline_texts(manager_client, customer, kind="orders")
    assert len(orders) == 4 and all(text.startswith("Order #") for text in orders)
    mail = timeline_texts(manager_client, customer, kind="mail")
    assert mail == ["Mail event reported"] * 3
    changes = timeline_texts(manager_client, customer, kind="changes")
    assert "Account created" in changes and "Changed phone" in changes
    assert not any(text.startswith(("Order", "Balance", "Signed in")) for text in changes)
    page = manager_client.get(f"/admin/customers/{customer.id}/timeline?kind=mail").get_data(
        as_text=True
    )
    assert '<option value="mail" selected>Mail</option>' in page


def test_older_and_newer_links_keep_the_filter(manager_client, market, manager, customer):
    _many_rows_of_every_kind(market, manager, customer, each=60)
    first = manager_client.get(f"/admin/customers/{customer.id}/timeline?kind=orders").get_data(
        as_text=True
    )
    assert f'href="/admin/customers/{customer.id}/timeline?page=2&amp;kind=orders"' in first
    assert "Newer" not in first
    second = manager_client.get(f"/admin/customers/{customer.id}/timeline?kind=orders&page=2")
    html = second.get_data(as_text=True)
    assert f'href="/admin/customers/{customer.id}/timeline?page=1&amp;kind=orders"' in html
    assert "Older" not in html  # 66 order lines: the second page is the last


def test_bad_page_numbers_and_kinds_show_the_first_page(manager_client, market, manager, customer):
    adjust_balance(customer.market, customer.id, 100, "promo", "", manager)
    db.session.commit()
    for query in ("page=abc", "page=-3", "kind=<script>", "page=99999999999999999999"):
        response = manager_client.get(f"/admin/customers/{customer.id}/timeline?{query}")
        assert response.status_code == 200, query
    assert "Promotional Credit" in timeline_texts(manager_client, customer, page="abc")[0]


def test_the_details_page_shows_the_first_page_with_a_link_to_older(
    manager_client, market, manager, customer
):
    _many_rows_of_every_kind(market, manager, customer, each=10)
    page = manager_client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    card = page.split('id="timeline"')[1].split("</section>")[0]
    assert len(texts_in(card)) == 50
    assert f'href="/admin/customers/{customer.id}/timeline?page=2"' in card
    assert texts_in(card) == texts_in(
        manager_client.get(f"/admin/customers/{customer.id}/timeline").get_data(as_text=True)
    )


def test_another_markets_account_and_rows_never_show(manager_client, market, manager, customer):
    other_market = MarketFactory(name="Elsewhere")
    other_manager = AccountFactory(market=other_market, manager=True)
    twin = AccountFactory(market=other_market, email=customer.email)
    assert manager_client.get(f"/admin/customers/{twin.id}/timeline").status_code == 404
    store_reported_events(
        "lgadmin",
        [
            ReportedEvent(
                provider_event_id="elsewhere-1",
                kind=MailEventKind.SPAM_COMPLAINT,
                raw="{}",
                email=customer.email,
                market_id=other_market.id,
            ),
            ReportedEvent(
                provider_event_id="here-1",
                kind=MailEventKind.UNSUBSCRIBE,
                raw="{}",
                email=customer.email,
                market_id=market.id,
            ),
        ],
    )
    db.session.add(
        Invitation(
            market_id=other_market.id,
            email=customer.email,
            token_hash=hash_token("elsewhere"),
            invited_by_id=other_manager.id,
        )
    )
    record(other_manager, other_market.id, "customer.data_exported", customer, "wrong market")
    adjust_balance(twin.market, twin.id, 900, "promo", "", other_manager)
    db.session.commit()
    assert timeline_texts(manager_client, customer) == ["Unsubscribed from mail", "Account created"]
    with pytest.raises(ValueError):
        timeline_page(market, twin)


def test_a_hard_bounce_of_mail_from_no_known_market_shows_at_every_market(
    manager_client, market, customer
):
    store_reported_events(
        "lgadmin",
        [
            ReportedEvent(
                provider_event_id="anywhere-1",
                kind=MailEventKind.HARD_BOUNCE,
                raw="{}",
                email=customer.email,
            ),
            ReportedEvent(
                provider_event_id="anywhere-2",
                kind=MailEventKind.SPAM_COMPLAINT,
                raw="{}",
                email=customer.email,
            ),
        ],
    )
    assert timeline_texts(manager_client, customer)[0] == "Mail bounced (hard)"
    assert "Marked our mail as spam" not in timeline_texts(manager_client, customer)


def test_hostile_text_in_summaries_and_reasons_is_escaped(
    manager_client, market, manager, customer
):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    record(manager, market.id, "customer.bulk_renamed", customer, hostile)
    adjust_balance(customer.market, customer.id, 100, "other", hostile, manager)
    start_act_as(manager, customer, hostile)
    db.session.commit()
    page = manager_client.get(f"/admin/customers/{customer.id}/timeline").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert f"{hostile} by Jane Manager" in timeline_texts(manager_client, customer)


def test_an_act_as_session_still_open_says_so(manager_client, market, manager, customer):
    start_act_as(manager, customer, "")
    db.session.commit()
    assert (
        timeline_texts(manager_client, customer)[0]
        == "Act-as session by Jane Manager (in progress)"
    )


def test_times_are_in_the_markets_time_zone(manager_client, market, manager, customer):
    adjust_balance(
        customer.market,
        customer.id,
        100,
        "promo",
        "",
        manager,
        at=utcnow().replace(hour=3, minute=7),
    )
    db.session.commit()
    page = manager_client.get(f"/admin/customers/{customer.id}/timeline").get_data(as_text=True)
    # 03:07 UTC is 10:07 or 11:07 PM the evening before in New York.
    assert re.search(r"1[01]:07 PM", page)


def test_a_welcome_link_used_and_a_signup_through_the_form_are_listed(
    app, manager_client, market, manager
):
    welcomed = AccountFactory(market=market, created_by=manager, password_hash=None)
    raw = issue_password_token(welcomed, TokenPurpose.SET_PASSWORD)
    db.session.commit()
    set_password_with_token(usable_password_token(market, raw), "Welcome123")
    db.session.commit()
    assert timeline_texts(manager_client, welcomed) == [
        "Set a password",
        "Set-password link emailed (used)",
        "Account created by Jane Manager",
    ]
    shopper = app.test_client()
    post_form(
        shopper,
        f"/m/{market.slug}/signup",
        {
            "first_name": "Sam",
            "last_name": "Lee",
            "email": "sam@example.org",
            "password": "Garden123",
            "confirm": "Garden123",
        },
    )
    sam = db.session.query(Account).filter_by(email="sam@example.org").one()
    assert timeline_texts(manager_client, sam) == [
        "Signed in after signing up",
        "Email confirmation link emailed",
        "Signed up",
        "Account created",
    ]


def test_a_page_past_the_end_says_the_history_ends_earlier(
    manager_client, market, manager, customer
):
    adjust_balance(customer.market, customer.id, 100, "promo", "", manager)
    db.session.commit()
    html = manager_client.get(f"/admin/customers/{customer.id}/timeline?page=5").get_data(
        as_text=True
    )
    assert "Nothing this far back" in html
    assert "Nothing recorded yet" not in html

"""Acting as a customer: who may, the limits, what is refused in the seat, and the trail."""

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest

from lgadmin import timeutil
from lgadmin.act_as.models import ActAsAction, ActAsSession
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.orders.models import Order
from lgadmin.staff.roles import StaffRole
from tests.conftest import csrf_token_from
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    ProductFactory,
    SuperuserFactory,
)


@pytest.fixture
def shopper_with_credit(shopper):
    """The shopper with $50.00 on account, so an order can be paid from the balance."""
    shopper.balance_cents = 5000
    db.session.commit()
    return shopper


def start(client, account, reason="Phone order", token=None):
    if token is None:
        page = client.get(f"/admin/customers/{account.id}/act-as")
        token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        f"/admin/customers/{account.id}/act-as", data={"csrf_token": token, "reason": reason}
    )


def end(client):
    token = csrf_token_from(client.get("/m/athens/account").get_data(as_text=True))
    return client.post("/act-as/end", data={"csrf_token": token})


def session_cookie(client):
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_a_manager_takes_the_shoppers_seat_and_lands_on_the_storefront(manager_client, shopper):
    before = session_cookie(manager_client)
    response = start(manager_client, shopper)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/m/athens/")
    assert session_cookie(manager_client) != before
    page = manager_client.get("/m/athens/account").get_data(as_text=True)
    assert "Acting as Sam Shopper" in page and "End session" in page
    assert "minutes left" in page
    record = db.session.query(ActAsSession).one()
    assert (record.manager_id, record.shopper_id, record.reason) == (
        record.manager.id,
        shopper.id,
        "Phone order",
    )
    assert record.ip_address == "127.0.0.1"


def test_ending_restores_the_manager_exactly_on_the_customers_details(
    manager_client, shopper, manager
):
    start(manager_client, shopper)
    acting_cookie = session_cookie(manager_client)
    response = end(manager_client)
    assert response.headers["Location"].endswith(f"/admin/customers/details/?id={shopper.id}")
    assert session_cookie(manager_client) != acting_cookie
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are back in your own account" in page
    assert "manager@athens.org" in page  # the manager's own navbar
    record = db.session.query(ActAsSession).one()
    assert record.ended_at is not None and record.end_reason == "ended"


def test_a_superuser_gets_their_chosen_market_back(signed_in, market, shopper):
    MarketFactory(name="Aardvark Market")  # listed first: the default choice
    client = signed_in(SuperuserFactory())
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/switch-market", data={"market_id": market.id, "csrf_token": token})
    assert start(client, shopper).status_code == 302
    end(client)
    assert "Athens Locally Grown <small" in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("manager", "nobody can act as a market manager, a staff member or platform staff."),
        ("staff", "nobody can act as a market manager, a staff member or platform staff."),
        ("inactive_staff", "Act as is for shoppers only"),
        ("inactive", "This account is inactive"),
        ("self", "You can&#39;t act as yourself."),
    ],
)
def test_who_cannot_be_acted_as(manager_client, market, manager, target, message):
    account = {
        "manager": lambda: AccountFactory(market=market, manager=True),
        "staff": lambda: AccountFactory(market=market, staff_role=StaffRole.VOLUNTEER_DESK),
        "inactive_staff": lambda: AccountFactory(
            market=market, staff_role=StaffRole.BOOKKEEPER, active=False
        ),
        "inactive": lambda: AccountFactory(market=market, active=False),
        "self": lambda: manager,
    }[target]()
    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))
    response = start(manager_client, account, token=token)
    assert response.status_code == 403
    assert message in response.get_data(as_text=True)
    assert db.session.query(ActAsSession).count() == 0


def test_growers_and_volunteers_may_be_acted_as(manager_client, market):
    grower = GrowerFactory(account__market=market).account
    volunteer = AccountFactory(market=market, is_volunteer=True)
    assert start(manager_client, grower).status_code == 302
    end(manager_client)
    assert start(manager_client, volunteer).status_code == 302


def test_shoppers_growers_and_volunteers_never_act_as_anyone(signed_in, market, shopper):
    for flags in ({}, {"is_volunteer": True}):
        client = signed_in(AccountFactory(market=market, **flags))
        assert client.get(f"/admin/customers/{shopper.id}/act-as").status_code == 403
    grower_client = signed_in(GrowerFactory(account__market=market).account)
    assert grower_client.get(f"/admin/customers/{shopper.id}/act-as").status_code == 403


def test_no_chains_and_no_admin_while_acting(manager_client, market, shopper):
    other = AccountFactory(market=market)
    start(manager_client, shopper)
    admin = manager_client.get("/admin/customers/")
    assert admin.status_code == 403
    assert "end the session first" in admin.get_data(as_text=True)
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    assert start(manager_client, other, token=token).status_code == 403
    assert db.session.query(ActAsSession).count() == 1


def test_forged_starts_change_nothing(manager_client, market, manager, shopper):
    stranger = AccountFactory(market=MarketFactory())
    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))
    assert start(manager_client, stranger, token=token).status_code == 404
    no_token = manager_client.post(f"/admin/customers/{shopper.id}/act-as", data={"reason": "x"})
    assert no_token.status_code == 400
    assert db.session.query(ActAsSession).count() == 0


def test_a_reason_over_250_characters_is_refused_with_a_message(manager_client, shopper):
    response = start(manager_client, shopper, reason="x" * 251)
    assert response.status_code == 400
    assert "Keep the reason to 250 characters or fewer." in response.get_data(as_text=True)
    assert db.session.query(ActAsSession).count() == 0


def test_get_never_starts_a_session(manager_client, shopper):
    page = manager_client.get(f"/admin/customers/{shopper.id}/act-as")
    assert page.status_code == 200 and "Act as customer" in page.get_data(as_text=True)
    assert db.session.query(ActAsSession).count() == 0


def test_the_session_ends_by_itself_after_its_time(manager_client, shopper, monkeypatch):
    start(manager_client, shopper)
    later = timeutil.utcnow() + timedelta(minutes=31)
    monkeypatch.setattr(timeutil, "utcnow", lambda: later)
    # stay active so the idle limit is not what ends it
    record = db.session.query(ActAsSession).one()
    record.last_seen_at = later - timedelta(minutes=1)
    db.session.commit()
    response = manager_client.get("/m/athens/cart")
    assert response.headers["Location"].endswith(f"/admin/customers/details/?id={shopper.id}")
    db.session.expire_all()
    assert db.session.query(ActAsSession).one().end_reason == "expired"
    assert manager_client.get("/admin/customers/").status_code == 200


def test_an_idle_session_ends_after_ten_minutes(manager_client, shopper, monkeypatch):
    start(manager_client, shopper)
    later = timeutil.utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(timeutil, "utcnow", lambda: later)
    manager_client.get("/m/athens/account")
    db.session.expire_all()
    assert db.session.query(ActAsSession).one().end_reason == "idle"


def test_the_time_limit_is_configurable(app, manager_client, shopper, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_ACT_AS_MINUTES", 5)
    start(manager_client, shopper)
    record = db.session.query(ActAsSession).one()
    assert record.expires_at - record.started_at == timedelta(minutes=5)


def test_an_order_placed_while_acting_records_the_manager(
    manager_client, market, manager, shopper_with_credit
):
    shopper = shopper_with_credit
    product = ProductFactory(grower__account__market=market, price_cents=1200, name="Eggs")
    start(manager_client, shopper)
    page = manager_client.get("/m/athens/").get_data(as_text=True)
    assert "Eggs" in page
    token = csrf_token_from(page)
    manager_client.post(
        "/m/athens/cart",
        data={"csrf_token": token, "product_id": product.id, "quantity": "2", "mode": "add"},
    )
    response = manager_client.post(
        "/m/athens/checkout", data={"csrf_token": token, "payment_choice": "balance"}
    )
    assert response.status_code == 302
    order = db.session.query(Order).one()
    assert order.account_id == shopper.id and order.placed_by_id == manager.id
    actions = db.session.query(ActAsAction).order_by(ActAsAction.id).all()
    assert [a.path for a in actions] == ["/m/athens/cart", "/m/athens/checkout"]
    assert "product_id=" in actions[0].description and "csrf" not in actions[0].description


def test_the_shopper_is_told_afterwards_by_email_and_on_their_account_page(
    app, manager_client, shopper
):
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    start(manager_client, shopper)
    end(manager_client)
    new = [p for p in outbox.glob("*.eml") if p not in before]
    messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in new]
    notice = [m for m in messages if m["To"] == "sam@example.org"]
    assert len(notice) == 1
    assert notice[0]["Subject"] == "A manager of Athens Locally Grown helped with your account"
    body = notice[0].get_body(("plain",)).get_content()
    assert re.search(r"helped with your account on \d+/\d+/\d{4}", body)
    from tests.conftest import sign_in

    own = app.test_client()
    sign_in(own, shopper)
    assert "A manager of Athens Locally Grown helped with your account on" in own.get(
        "/m/athens/account"
    ).get_data(as_text=True)


def test_the_shoppers_last_sign_in_is_not_changed(manager_client, shopper):
    start(manager_client, shopper)
    db.session.expire_all()
    from lgadmin.accounts.models import Account

    assert db.session.get(Account, shopper.id).last_sign_in_at is None


def test_start_and_end_are_in_the_audit_log_and_the_act_as_log(manager_client, shopper):
    start(manager_client, shopper)
    end(manager_client)
    entries = db.session.query(AuditEntry).order_by(AuditEntry.id)
    actions = [e.action for e in entries if e.action != "auth.signed_in"]
    assert actions == ["act_as.started", "act_as.ended"]
    log = manager_client.get("/admin/act-as-log/").get_data(as_text=True)
    assert "sam@example.org" in log and "Phone order" in log and "ended" in log


def test_the_act_as_log_is_per_market_and_superusers_export_it_all(
    app, manager_client, signed_in, market, shopper
):
    start(manager_client, shopper)
    end(manager_client)
    other_market = MarketFactory()
    other_manager = AccountFactory(market=other_market, manager=True)
    other_client = signed_in(other_manager)
    assert "sam@example.org" not in other_client.get("/admin/act-as-log/").get_data(as_text=True)
    assert other_client.get("/admin/act-as-log/export.csv").status_code == 403
    record = db.session.query(ActAsSession).one()
    assert other_client.get(f"/admin/act-as-log/details/?id={record.id}").status_code == 404
    staff = app.test_client()
    from tests.conftest import sign_in

    sign_in(staff, SuperuserFactory())
    csv_text = staff.get("/admin/act-as-log/export.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("session,market,manager,customer,reason")
    assert "manager@athens.org,sam@example.org,Phone order" in csv_text


@pytest.mark.parametrize(
    "path",
    ["/m/athens/forgot-password", "/m/athens/set-password/abc", "/m/athens/signup"],
)
def test_password_and_sign_in_pages_are_refused_in_the_seat(manager_client, shopper, path):
    start(manager_client, shopper)
    response = manager_client.get(path)
    assert response.status_code == 403
    assert "is not allowed while acting as a customer" in response.get_data(as_text=True)


def test_saving_a_card_is_refused_in_the_seat(manager_client, shopper):
    start(manager_client, shopper)
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    response = manager_client.post("/m/athens/account/cards/setup", data={"csrf_token": token})
    assert response.status_code == 403


def test_the_customers_data_requests_and_copy_are_refused_in_the_seat(manager_client, shopper):
    start(manager_client, shopper)
    account = manager_client.get("/m/athens/account").get_data(as_text=True)
    assert "Ask to erase my account" not in account and "lg-no-data-while-acting" in account
    token = csrf_token_from(account)
    for path in ("/m/athens/account/data/copy", "/m/athens/account/data/erasure"):
        refused = manager_client.post(path, data={"csrf_token": token})
        assert refused.status_code == 403, path
    assert manager_client.get("/m/athens/account/data/copy.zip").status_code == 403
    from lgadmin.privacy.models import DataRequest

    assert db.session.query(DataRequest).count() == 0


def test_a_manager_whose_sessions_ended_meanwhile_leaves_the_seat_signed_out(
    manager_client, manager, shopper
):
    assert start(manager_client, shopper).status_code == 302
    manager.end_sessions()  # e.g. their password was reset from another browser
    db.session.commit()
    end(manager_client)
    response = manager_client.get("/admin/customers/")
    assert response.status_code == 302 and "sign-in" in response.headers["Location"]


def test_leaving_the_seat_does_not_renew_the_managers_admin_session(
    app, manager_client, shopper, time_machine
):
    for _ in range(14):  # busy for 11 hours 40 minutes, never idle for an hour
        time_machine.move_to(timeutil.utcnow() + timedelta(minutes=50))
        assert manager_client.get("/admin/customers/").status_code == 200
    assert start(manager_client, shopper).status_code == 302
    end(manager_client)
    time_machine.move_to(timeutil.utcnow() + timedelta(minutes=25))
    response = manager_client.get("/admin/customers/")
    assert response.status_code == 302 and "sign-in" in response.headers["Location"]

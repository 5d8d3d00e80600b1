"""Sessions end: everywhere at once (sign-out, a new password, deactivation, merge, erasure),
and admin sessions after an idle hour or twelve hours, whatever the browser does."""

from datetime import timedelta

import itsdangerous
import pytest

from lgadmin import timeutil
from lgadmin.customers.service import update_special_info
from lgadmin.extensions import db
from lgadmin.merge.service import merge_accounts
from lgadmin.privacy.service import erase_customer
from lgadmin.staff.roles import StaffRole
from tests.accounts.helpers import fresh
from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD, AccountFactory, SuperuserFactory
from tests.onboarding.helpers import link_in, local_path, post_form


def signed_in_to_shop(client, market) -> bool:
    return client.get(f"/m/{market.slug}/account").status_code == 200


def signed_in_to_admin(client) -> bool:
    return client.get("/admin/").status_code == 200


def sign_out(client, page="/admin/"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post("/sign-out", data={"csrf_token": token})


def test_signing_out_ends_the_accounts_sessions_in_every_browser(
    signed_in, market, shopper, manager
):
    phone, laptop = signed_in(shopper), signed_in(shopper)
    someone_else = signed_in(AccountFactory(market=market))
    assert signed_in_to_shop(phone, market) and signed_in_to_shop(laptop, market)
    assert sign_out(laptop, f"/m/{market.slug}/account").status_code == 302
    assert not signed_in_to_shop(phone, market)
    page = phone.get(f"/m/{market.slug}/sign-in").get_data(as_text=True)
    assert "You were signed out because this account signed out or changed elsewhere." in page
    assert signed_in_to_shop(someone_else, market)
    # The same for an admin session.
    desk, office = signed_in(manager), signed_in(manager)
    sign_out(office)
    assert desk.get("/admin/").status_code == 302


def test_a_manager_signing_out_in_a_customers_seat_leaves_the_customer_signed_in(
    signed_in, market, manager, shopper
):
    own_phone = signed_in(shopper)
    desk = signed_in(manager)
    page = desk.get(f"/admin/customers/{shopper.id}/act-as").get_data(as_text=True)
    desk.post(
        f"/admin/customers/{shopper.id}/act-as",
        data={"csrf_token": csrf_token_from(page), "reason": "Phone order"},
    )
    assert "Acting as" in desk.get(f"/m/{market.slug}/account").get_data(as_text=True)
    sign_out(desk, f"/m/{market.slug}/account")
    assert signed_in_to_shop(own_phone, market)


def test_signing_in_again_leaves_the_other_sessions_alone(signed_in, market, shopper):
    phone = signed_in(shopper)
    signed_in(shopper)
    assert signed_in_to_shop(phone, market)


def test_a_password_reset_ends_every_session_of_the_account(
    app, signed_in, market, shopper, mailbox
):
    stolen = signed_in(shopper)
    post_form(app.test_client(), f"/m/{market.slug}/forgot-password", {"email": shopper.email})
    path = local_path(link_in(mailbox.to(shopper.email)[0], "/reset-password/"))
    owner = app.test_client()
    response = post_form(owner, path, {"password": "Potatoes9", "confirm": "Potatoes9"})
    assert response.status_code == 302
    assert not signed_in_to_shop(stolen, market)
    assert sign_in(owner, fresh(type(shopper), shopper.id), password="Potatoes9").status_code == 302
    assert signed_in_to_shop(owner, market)


def _special_info(account, manager, active: bool) -> None:
    update_special_info(
        fresh(type(account), account.id),
        fresh(type(manager), manager.id),
        {"active": active},
        account.line_position.value,
    )
    db.session.commit()


def test_deactivating_ends_the_sessions_for_good_even_if_reactivated(
    signed_in, market, manager, shopper
):
    """An inactive account is refused anyway; its old sessions must not come back with it."""
    client = signed_in(shopper)
    _special_info(shopper, manager, active=False)
    _special_info(shopper, manager, active=True)
    assert not signed_in_to_shop(client, market)
    assert signed_in_to_shop(signed_in(shopper), market)


def test_a_reactivated_staff_member_signs_in_again(signed_in, market, manager):
    staff = AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT)
    client = signed_in(staff)
    assert client.get("/admin/customers/").status_code == 200
    _special_info(staff, manager, active=False)
    _special_info(staff, manager, active=True)
    assert client.get("/admin/customers/").status_code == 302


@pytest.mark.parametrize("how", ["merged", "erased"])
def test_a_closed_account_is_signed_out_everywhere(signed_in, market, manager, shopper, how):
    client = signed_in(shopper)
    account = fresh(type(shopper), shopper.id)
    version = account.session_version
    actor = fresh(type(manager), manager.id)
    if how == "merged":
        merge_accounts(actor, actor.market, account, AccountFactory(market=market))
    else:
        erase_customer(actor, actor.market, account)
    db.session.commit()
    assert fresh(type(shopper), shopper.id).session_version > version
    assert not signed_in_to_shop(client, market)


def _clock(monkeypatch):
    """Move lgadmin's clock: returns a function that sets it `minutes` after now."""
    start = timeutil.utcnow()

    def move_to(minutes: float):
        monkeypatch.setattr(timeutil, "utcnow", lambda: start + timedelta(minutes=minutes))

    return move_to


def test_an_admin_session_ends_after_an_idle_hour(signed_in, manager, monkeypatch):
    move_to = _clock(monkeypatch)
    client = signed_in(manager)
    move_to(59)
    assert signed_in_to_admin(client)
    move_to(59 + 59)  # used a minute before: still alive
    assert signed_in_to_admin(client)
    move_to(59 + 59 + 61)
    response = client.get("/admin/customers/?search=rob")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/m/athens/sign-in?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after 60 minutes without activity." in page
    assert client.get("/admin/").status_code == 302
    # Signing in again takes the manager back to where they were.
    token = csrf_token_from(page)
    again = client.post(
        response.headers["Location"],
        data={"email": manager.email, "password": PASSWORD, "csrf_token": token},
    )
    assert again.headers["Location"] == "/admin/customers/?search=rob"


def test_an_admin_session_ends_after_twelve_hours_however_busy(signed_in, manager, monkeypatch):
    move_to = _clock(monkeypatch)
    client = signed_in(manager)
    for minutes in range(50, 12 * 60, 50):
        move_to(minutes)
        assert signed_in_to_admin(client), minutes
    move_to(12 * 60 + 1)  # sign-in was stamped a moment after the clock was read
    assert client.get("/admin/").status_code == 302
    page = client.get("/m/athens/sign-in").get_data(as_text=True)
    assert "You were signed out after 12 hours." in page


def test_a_superuser_session_has_the_same_limits(signed_in, monkeypatch):
    move_to = _clock(monkeypatch)
    client = signed_in(SuperuserFactory())
    move_to(61)
    response = client.get("/admin/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_the_limits_are_settings(app, signed_in, manager, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_ADMIN_IDLE_MINUTES", 5)
    move_to = _clock(monkeypatch)
    client = signed_in(manager)
    move_to(6)
    assert client.get("/admin/").status_code == 302
    monkeypatch.setitem(app.config, "LGADMIN_ADMIN_SESSION_HOURS", 1)
    client = signed_in(manager)
    for minutes in (6 + 4, 6 + 8, 6 + 12):
        move_to(minutes)
        assert signed_in_to_admin(client)
    move_to(6 + 61)
    assert client.get("/admin/").status_code == 302


def test_a_shoppers_session_has_no_idle_limit_of_its_own(signed_in, market, shopper, monkeypatch):
    move_to = _clock(monkeypatch)
    client = signed_in(shopper)
    move_to(3 * 60)
    assert signed_in_to_shop(client, market)


def test_a_session_cookie_unused_for_twelve_hours_is_refused(app, market, shopper, monkeypatch):
    """Flask's default would accept a cookie for 31 days after it was last written."""
    assert app.permanent_session_lifetime == timedelta(hours=12)
    written = itsdangerous.timed.TimestampSigner.get_timestamp
    client = app.test_client()
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner,
        "get_timestamp",
        lambda signer: written(signer) - 13 * 3600,
    )
    assert sign_in(client, shopper).status_code == 302  # the cookie is written 13 hours ago
    monkeypatch.undo()
    assert not signed_in_to_shop(client, market)

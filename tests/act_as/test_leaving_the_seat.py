"""Every way out of a shopper's seat ends the act-as session with its reason and time, and
tells the shopper as "End session" does: signing out (the storefront's Sign out, or the admin's
from a tab opened before), the session running out while the manager is away, and the sweep."""

from datetime import timedelta

import pytest

from lgadmin import timeutil
from lgadmin.act_as.models import ActAsSession
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from tests.act_as.test_act_as import end, start
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, SuperuserFactory
from tests.onboarding.helpers import text_of

NOTICE = "A manager of Athens Locally Grown helped with your account"


def the_session() -> ActAsSession:
    db.session.expire_all()
    return db.session.query(ActAsSession).one()


def later(monkeypatch, minutes: int):
    """The clock `minutes` after now, for every service that asks lgadmin.timeutil."""
    at = timeutil.utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(timeutil, "utcnow", lambda: at)
    return at


def sign_out(client, page="/m/athens/account"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post("/sign-out", data={"csrf_token": token})


def notices(mailbox):
    return [m for m in mailbox.to("sam@example.org") if m["Subject"] == NOTICE]


def test_the_storefronts_sign_out_ends_the_session_and_tells_the_shopper(
    manager_client, shopper, mailbox
):
    start(manager_client, shopper)
    response = sign_out(manager_client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/m/athens/sign-in")
    record = the_session()
    assert record.ended_at is not None and record.end_reason == "signed_out"
    ended = db.session.query(AuditEntry).filter_by(action="act_as.ended").one()
    assert ended.summary == "Stopped acting as sam@example.org (manager signed out)"
    [notice] = notices(mailbox)
    assert "helped with your account on" in text_of(notice)
    # Signed out for good: neither the seat nor the manager's own account is open.
    assert "/sign-in" in manager_client.get("/m/athens/account").headers["Location"]
    assert "/sign-in" in manager_client.get("/admin/customers/").headers["Location"]
    log = sign_in_again(manager_client, record.manager)
    assert "Manager signed out" in log and "still open" not in log


def sign_in_again(client, manager) -> str:
    from tests.conftest import sign_in

    assert sign_in(client, manager).status_code == 302
    return client.get("/admin/act-as-log/").get_data(as_text=True)


def test_sign_out_and_end_session_send_the_same_notice(app, signed_in, market, manager, mailbox):
    first, second = (AccountFactory(market=market, first_name="Sam") for _ in range(2))
    client = signed_in(manager)
    start(client, first)
    end(client)
    start(client, second)
    sign_out(client)
    by_end, by_sign_out = mailbox.to(first.email), mailbox.to(second.email)
    assert len(by_end) == len(by_sign_out) == 1
    assert by_end[0]["Subject"] == by_sign_out[0]["Subject"] == NOTICE
    assert text_of(by_end[0]) == text_of(by_sign_out[0])


def test_the_admins_sign_out_from_a_tab_opened_before_the_seat_still_signs_out(
    manager_client, shopper
):
    old_admin_page = manager_client.get("/admin/customers/").get_data(as_text=True)
    start(manager_client, shopper)
    stale = manager_client.post("/sign-out", data={"csrf_token": csrf_token_from(old_admin_page)})
    assert stale.status_code == 400
    page = stale.get_data(as_text=True)
    assert "You are still signed in" in page and the_session().ended_at is None
    again = manager_client.post("/sign-out", data={"csrf_token": csrf_token_from(page)})
    assert again.headers["Location"].endswith("/m/athens/sign-in")
    assert the_session().end_reason == "signed_out"


def test_a_superuser_signing_out_in_the_seat_lands_on_the_platform_sign_in(
    signed_in, market, shopper
):
    client = signed_in(SuperuserFactory())
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    client.post("/admin/switch-market", data={"market_id": market.id, "csrf_token": token})
    start(client, shopper)
    response = sign_out(client)
    assert response.headers["Location"].endswith("/sign-in")
    assert "/m/" not in response.headers["Location"]
    assert the_session().end_reason == "signed_out"


def test_signing_out_after_the_session_idled_out_ends_it_as_idle_when_it_idled(
    manager_client, shopper, monkeypatch, mailbox
):
    start(manager_client, shopper)
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    last_seen = the_session().last_seen_at
    later(monkeypatch, 25)
    response = manager_client.post("/sign-out", data={"csrf_token": token})
    # Signing out signs out; it does not put the manager back in the admin.
    assert response.headers["Location"].endswith("/m/athens/sign-in")
    assert "/sign-in" in manager_client.get("/admin/customers/").headers["Location"]
    record = the_session()
    assert record.end_reason == "idle"
    assert record.ended_at == last_seen + timedelta(minutes=10)
    assert len(notices(mailbox)) == 1


def test_a_session_left_behind_is_closed_by_the_sweep_with_its_reason_and_time(
    app, manager_client, shopper, monkeypatch, mailbox
):
    start(manager_client, shopper)
    started = the_session()
    manager_client.delete_cookie("session")  # the manager closed the browser: nobody will come back
    later(monkeypatch, 45)
    result = app.test_cli_runner().invoke(args=["lgadmin", "end-act-as-sessions"])
    assert result.exit_code == 0, result.output
    assert "1 act-as session ended" in result.output
    record = the_session()
    assert record.end_reason == "idle"
    assert record.ended_at == started.last_seen_at + timedelta(minutes=10)
    assert len(notices(mailbox)) == 1
    again = app.test_cli_runner().invoke(args=["lgadmin", "end-act-as-sessions"])
    assert "0 act-as sessions ended" in again.output
    assert len(notices(mailbox)) == 1


def test_a_session_past_its_time_limit_ends_as_expired_at_that_limit(
    app, manager_client, shopper, monkeypatch
):
    start(manager_client, shopper)
    record = the_session()
    # Busy until the very end, so the time limit, not the idle one, is what ends it.
    record.last_seen_at = record.expires_at - timedelta(minutes=1)
    db.session.commit()
    later(monkeypatch, 60)
    app.test_cli_runner().invoke(args=["lgadmin", "end-act-as-sessions"])
    record = the_session()
    assert (record.end_reason, record.ended_at) == ("expired", record.expires_at)


def test_the_log_and_the_timeline_never_show_a_session_open_once_it_is_over(
    signed_in, manager, shopper, monkeypatch, mailbox
):
    seat = signed_in(manager)
    start(seat, shopper)
    seat.delete_cookie("session")
    later(monkeypatch, 15)
    own = signed_in(manager)  # the manager, back at another browser
    log = own.get("/admin/act-as-log/").get_data(as_text=True)
    assert "Idle too long" in log
    record = the_session()
    assert record.end_reason == "idle" and record.ended_at is not None
    assert len(notices(mailbox)) == 1
    details = own.get(f"/admin/act-as-log/details/?id={record.id}").get_data(as_text=True)
    assert "still open" not in details and "Idle too long" in details


def test_the_customers_timeline_closes_a_session_that_ran_out(
    signed_in, manager, shopper, monkeypatch
):
    seat = signed_in(manager)
    start(seat, shopper)
    seat.delete_cookie("session")
    later(monkeypatch, 15)
    page = signed_in(manager).get(f"/admin/customers/{shopper.id}/timeline")
    text = page.get_data(as_text=True)
    assert "Act-as session" in text and "in progress" not in text
    assert the_session().end_reason == "idle"


@pytest.mark.parametrize(
    "path", ["/sign-in", "/m/athens/sign-in", "/m/athens/sign-in/link", "/m/athens/sign-in/link/x"]
)
def test_sign_in_pages_are_refused_in_the_seat(manager_client, shopper, path):
    start(manager_client, shopper)
    response = manager_client.get(path)
    assert response.status_code == 403
    assert "is not allowed while acting as a customer" in response.get_data(as_text=True)


def test_signing_in_as_someone_else_from_the_seat_is_refused_and_the_seat_stays(
    manager_client, market, shopper
):
    other = AccountFactory(market=market)
    start(manager_client, shopper)
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    response = manager_client.post(
        "/m/athens/sign-in",
        data={"csrf_token": token, "email": other.email, "password": "Secret123"},
    )
    assert response.status_code == 403
    assert "Acting as Sam Shopper" in manager_client.get("/m/athens/account").get_data(as_text=True)
    assert the_session().ended_at is None

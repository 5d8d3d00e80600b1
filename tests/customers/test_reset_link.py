"""Send password reset link on the customer's details (spec 000, Troubleshooting)."""

import pytest

from lgadmin.accounts.models import Account, AccountMerge
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.staff.roles import StaffRole
from lgadmin.timeutil import utcnow
from tests.act_as.test_act_as import start
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory
from tests.onboarding.helpers import link_in, local_path, text_of


def details(client, account) -> str:
    return client.get(f"/admin/customers/details/?id={account.id}").get_data(as_text=True)


def send_link(client, account):
    token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
    return client.post(f"/admin/customers/{account.id}/send-reset-link", data={"csrf_token": token})


def test_the_manager_sends_the_same_reset_email_as_forgot_password(
    app, manager_client, manager, shopper, mailbox
):
    assert "Send password reset link" in details(manager_client, shopper)
    response = send_link(manager_client, shopper)
    assert response.status_code == 302
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A password reset link is on its way to sam@example.org" in page
    (reset,) = mailbox.to("sam@example.org")
    assert reset["Subject"] == "Reset your Athens Locally Grown password"
    assert "Someone asked to reset the password" in text_of(reset)
    path = local_path(link_in(reset, "/reset-password/"))
    form = app.test_client()
    token = csrf_token_from(form.get(path).get_data(as_text=True))
    chosen = form.post(
        path, data={"csrf_token": token, "password": "Potatoes9", "confirm": "Potatoes9"}
    )
    assert chosen.status_code == 302
    assert sign_in(app.test_client(), shopper, password="Potatoes9").status_code == 302
    entry = db.session.query(AuditEntry).filter_by(action="account.reset_link_sent").one()
    assert (entry.actor_id, entry.target_id) == (manager.id, shopper.id)
    assert entry.summary == "Sent a password reset link to sam@example.org"


def test_the_request_shows_on_the_customers_timeline(manager_client, shopper):
    send_link(manager_client, shopper)
    for path in (
        f"/admin/customers/{shopper.id}/timeline?kind=sign_ins",
        f"/admin/customers/details/?id={shopper.id}",
    ):
        assert "Password reset link requested by Maria Lopez" in manager_client.get(path).get_data(
            True
        )


def refused_account(market, manager, kind):
    if kind == "inactive":
        return AccountFactory(market=market, active=False)
    if kind == "guest":
        return AccountFactory(market=market, is_guest=True, password_hash=None)
    if kind == "erased":
        return AccountFactory(market=market, active=False, erased_at=utcnow())
    merged, kept = AccountFactory(market=market, active=False), AccountFactory(market=market)
    db.session.add(
        AccountMerge(
            market_id=market.id,
            merged_account_id=merged.id,
            kept_account_id=kept.id,
            merged_by_id=manager.id,
        )
    )
    db.session.commit()
    return merged


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("inactive", "This account is inactive"),
        ("erased", "This customer was erased"),
        ("merged", "This account was merged into another"),
        ("guest", "A guest has no password to reset"),
    ],
)
def test_a_link_for_an_account_that_cant_use_it_is_refused_with_the_reason(
    manager_client, market, manager, mailbox, kind, reason
):
    account = refused_account(market, manager, kind)
    response = send_link(manager_client, account)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The reset link was not sent:" in page and reason in page
    assert mailbox.messages() == []
    assert db.session.query(AuditEntry).filter_by(action="account.reset_link_sent").count() == 0


def test_refused_while_a_manager_is_acting_as_the_customer(
    signed_in, market, manager_client, shopper, mailbox
):
    seat = signed_in(AccountFactory(market=market, manager=True))
    start(seat, shopper)
    # In the seat itself the admin is closed, this page included.
    token = csrf_token_from(seat.get("/m/athens/account").get_data(as_text=True))
    in_seat = seat.post(
        f"/admin/customers/{shopper.id}/send-reset-link", data={"csrf_token": token}
    )
    assert in_seat.status_code == 403
    # From the admin, while somebody sits in the customer's seat.
    response = send_link(manager_client, shopper)
    assert response.status_code == 400
    assert "A manager is acting as this customer right now" in response.get_data(as_text=True)
    assert mailbox.messages() == []


def test_the_hourly_limit_of_reset_links_is_said_not_silently_applied(
    manager_client, shopper, mailbox
):
    for _ in range(5):
        assert send_link(manager_client, shopper).status_code == 302
    response = send_link(manager_client, shopper)
    assert response.status_code == 400
    assert "5 reset links were sent to this address in the last hour" in response.get_data(True)
    assert len(mailbox.to("sam@example.org")) == 5


def test_staff_roles_neither_see_nor_send_it_and_other_markets_get_404(
    signed_in, market, shopper, mailbox
):
    support = signed_in(AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT))
    assert "Send password reset link" not in details(support, shopper)
    assert send_link(support, shopper).status_code == 403
    stranger = signed_in(AccountFactory(market=MarketFactory(), manager=True))
    assert send_link(stranger, shopper).status_code == 404
    assert mailbox.messages() == []
    assert db.session.get(Account, shopper.id).active

"""Act-as is for shoppers only: no seat of an account with an admin permission, no admin
page from any seat, and what is done in a seat is the manager's doing in the audit log."""

import pytest

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.staff.roles import StaffRole
from tests.act_as.test_act_as import start
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory


@pytest.mark.parametrize("role", list(StaffRole))
def test_the_grid_and_the_details_offer_act_as_for_shoppers_only(
    manager_client, market, shopper, role
):
    staff = AccountFactory(market=market, staff_role=role, last_name="Staffer")
    grid = manager_client.get("/admin/customers/").get_data(as_text=True)
    assert f'href="/admin/customers/{shopper.id}/act-as"' in grid
    assert f'href="/admin/customers/{staff.id}/act-as"' not in grid
    details = manager_client.get(f"/admin/customers/details/?id={staff.id}").get_data(as_text=True)
    assert f"/admin/customers/{staff.id}/act-as" not in details
    shoppers = manager_client.get(f"/admin/customers/details/?id={shopper.id}").get_data(
        as_text=True
    )
    assert f"/admin/customers/{shopper.id}/act-as" in shoppers


def test_the_start_page_of_a_staff_account_says_why_and_offers_no_button(manager_client, market):
    staff = AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT)
    page = manager_client.get(f"/admin/customers/{staff.id}/act-as").get_data(as_text=True)
    assert "Act as is for shoppers only" in page
    assert 'class="lg-act-as-form"' not in page


def test_in_the_seat_the_admin_is_refused_even_if_the_account_became_staff(manager_client, shopper):
    start(manager_client, shopper)
    account = db.session.get(Account, shopper.id)
    account.staff_role = StaffRole.CUSTOMER_SUPPORT  # given a role while the manager is in
    db.session.commit()
    for path in ("/admin/", "/admin/customers/", f"/admin/customers/details/?id={shopper.id}"):
        response = manager_client.get(path)
        assert response.status_code == 403, path
        assert "The admin is closed while you act as a customer" in response.get_data(True)


def test_what_is_done_in_the_seat_names_the_manager_as_actor_and_the_shopper_as_subject(
    manager_client, manager, shopper
):
    start(manager_client, shopper)
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    saved = manager_client.post(
        "/m/athens/account/addresses",
        data={
            "csrf_token": token,
            "new-line1": "1 Main St",
            "new-city": "Athens",
            "new-postal_code": "30601",
            "new-country": "US",
        },
    )
    assert saved.status_code == 302
    entry = db.session.query(AuditEntry).filter_by(action="address.saved").one()
    assert entry.actor_id == manager.id
    assert (entry.target_type, entry.target_id) == ("account", shopper.id)
    assert entry.details["act_as_session"]
    timeline = client_after_end(manager_client).get(f"/admin/customers/{shopper.id}/timeline")
    assert "Saved the address 1 Main St" in timeline.get_data(as_text=True)
    assert "by Maria Lopez" in timeline.get_data(as_text=True)


def client_after_end(client):
    from tests.act_as.test_act_as import end

    end(client)
    return client


def test_the_shoppers_own_changes_stay_theirs(signed_in, shopper):
    own = signed_in(shopper)
    token = csrf_token_from(own.get("/m/athens/account").get_data(as_text=True))
    own.post(
        "/m/athens/account/addresses",
        data={
            "csrf_token": token,
            "new-line1": "2 Oak St",
            "new-city": "Athens",
            "new-postal_code": "30601",
            "new-country": "US",
        },
    )
    entry = db.session.query(AuditEntry).filter_by(action="address.saved").one()
    assert entry.actor_id == shopper.id and "act_as_session" not in entry.details

"""Staff roles (spec 002): every role against every admin screen and action, and the market
filter for staff. Managers keep everything; a role sees only what its template gives."""

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.staff.roles import ALL_PERMISSIONS, ROLE_PERMISSIONS, StaffRole
from lgadmin.timeutil import utcnow
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory

ROLES = ["manager", *(role.value for role in StaffRole)]

# (method, path with {id} for a customer of the market, the permission it needs)
SCREENS = [
    ("GET", "/admin/", None),
    ("GET", "/admin/customers/", "view_customers"),
    ("GET", "/admin/customers/details/?id={id}", "view_customers"),
    ("GET", "/admin/customers/{id}/history", "view_customers"),
    ("GET", "/admin/customers/{id}/loyalty/history", "view_customers"),
    ("GET", "/admin/customers/export.csv", "export_customers"),
    ("GET", "/admin/customers/add", "add_customers"),
    ("GET", "/admin/customers/import/", "add_customers"),
    ("GET", "/admin/customers/import/template.csv", "add_customers"),
    ("GET", "/admin/customers/invitations/", "add_customers"),
    ("GET", "/admin/customers/{id}/act-as", "act_as"),
    ("GET", "/admin/audit-log/", "view_audit_log"),
    ("GET", "/admin/act-as-log/", "view_act_as_log"),
    ("GET", "/admin/mail-events/", "view_mail_events"),
    ("GET", "/admin/customer-groups/", "manage_groups"),
    ("GET", "/admin/market-settings/", "market_settings"),
    ("GET", "/admin/segments/", "manage_segments"),
    ("GET", "/admin/segments/new", "manage_segments"),
    ("GET", "/admin/campaigns/", "send_campaigns"),
    ("GET", "/admin/campaigns/new", "send_campaigns"),
    ("GET", "/admin/customers/{id}/data.zip", "export_customer_data"),
    ("GET", "/admin/data-requests/", "export_customer_data"),
    ("GET", "/admin/customers/duplicates/", "merge_customers"),
    ("GET", "/admin/customers/{id}/merge", "merge_customers"),
]
ACTIONS = [
    ("POST", "/admin/customers/{id}/adjust-balance", "adjust_balance"),
    ("POST", "/admin/customers/{id}/loyalty", "adjust_loyalty"),
    ("POST", "/admin/customers/{id}/loyalty/enroll", "adjust_loyalty"),
    ("POST", "/admin/customers/bonus-points", "bonus_points"),
    ("POST", "/admin/customers/{id}/comments", "add_comment"),
    ("POST", "/admin/customers/{id}/edit-info", "edit_info"),
    ("POST", "/admin/customers/{id}/group-tax", "edit_info"),
    ("POST", "/admin/customers/{id}/special-info", "edit_special_info"),
    ("POST", "/admin/customers/{id}/membership", "update_membership"),
    ("POST", "/admin/customers/{id}/addresses", "manage_addresses"),
    ("POST", "/admin/customers/{id}/invite-guest", "invite_guest"),
    ("POST", "/admin/customers/{id}/delete-account", "delete_account"),
    ("POST", "/admin/customers/{id}/send-reset-link", "send_password_reset"),
    ("POST", "/admin/customers/{id}/act-as", "act_as"),
    ("POST", "/admin/customers/add", "add_customers"),
    ("POST", "/admin/customers/invitations/", "add_customers"),
    ("POST", "/admin/payments/refresh/{id}", "refresh_payments"),
    ("POST", "/admin/customer-groups/add", "manage_groups"),
    ("POST", "/admin/market-settings/", "market_settings"),
    ("POST", "/admin/customers/{id}/erase", "erase_customers"),
    ("POST", "/admin/customers/{id}/merge", "merge_customers"),
    ("POST", "/admin/customers/bulk/email", "send_campaigns"),
]


@pytest.fixture(autouse=True)
def loyalty_on(market):
    """Every test here runs with the market's loyalty program on."""
    market.loyalty_enabled = True
    db.session.commit()


@pytest.fixture
def customer(market):
    return AccountFactory(market=market, loyalty_points=0, last_name="Hayes")


def staff_member(market, role: str) -> Account:
    if role == "manager":
        return AccountFactory(market=market, manager=True, email_verified_at=utcnow())
    return AccountFactory(market=market, staff_role=StaffRole(role))


def allowed(role: str, permission: str | None) -> bool:
    if permission is None or role == "manager":
        return True
    return permission in ROLE_PERMISSIONS[StaffRole(role)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "permission"), SCREENS + ACTIONS)
def test_every_role_against_every_admin_screen_and_action(
    signed_in, market, customer, role, method, path, permission
):
    client = signed_in(staff_member(market, role))
    url = path.format(id=customer.id)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token_from(details(client, customer))
        response = client.post(url, data={"csrf_token": token, "points": "5", "reason": "x"})
    if allowed(role, permission):
        assert response.status_code in (200, 302, 400), (role, url, response.status_code)
    else:
        assert response.status_code == 403, (role, url, response.status_code)


def test_every_permission_has_a_screen_or_action_in_the_authorisation_test():
    covered = {permission for _, _, permission in SCREENS + ACTIONS if permission}
    assert covered == ALL_PERMISSIONS


@pytest.mark.parametrize("role", [role.value for role in StaffRole])
def test_the_market_filter_applies_to_staff(signed_in, market, role):
    client = signed_in(staff_member(market, role))
    stranger = AccountFactory(market=MarketFactory(loyalty_enabled=True), loyalty_points=0)
    assert client.get(f"/admin/customers/details/?id={stranger.id}").status_code == 404
    assert client.get(f"/admin/customers/{stranger.id}/history").status_code == 404
    html = client.get("/admin/customers/").get_data(as_text=True)
    assert stranger.email not in html
    token = csrf_token_from(html)
    for action in ("loyalty", "comments", "adjust-balance"):
        response = client.post(
            f"/admin/customers/{stranger.id}/{action}",
            data={"csrf_token": token, "action": "add", "points": "5", "reason": "x"},
        )
        assert response.status_code in (403, 404)
    assert fresh(Account, stranger.id).loyalty_points == 0


def test_a_bookkeeper_sees_balances_and_adjusts_them_but_cannot_edit_info(
    signed_in, market, customer
):
    client = signed_in(staff_member(market, "bookkeeper"))
    html = details(client, customer)
    assert "Adjust Balance" in section(html, "balance")
    assert "Edit Customer Info</button>" not in html
    assert f'href="/admin/customers/{customer.id}/act-as"' not in html
    assert "Update Special Info" not in html and "Add Comment" not in html
    response = post(client, customer, "adjust-balance", {"amount": "5", "reason": "cash"})
    assert response.status_code == 302
    assert fresh(Account, customer.id).balance_cents == 500
    assert (
        post(client, customer, "edit-info", {"last_name": "X", "email": "x@x.org"}).status_code
        == 403
    )


def test_customer_support_adds_comments_only(signed_in, market, customer):
    client = signed_in(staff_member(market, "customer_support"))
    html = details(client, customer)
    assert "Add Comment" in section(html, "comments") and "Adjust Balance" not in html
    assert post(client, customer, "comments", {"body": "Called about pickup"}).status_code == 302
    assert "Called about pickup" in section(details(client, customer), "comments")


def test_volunteer_desk_is_read_only(signed_in, market, customer):
    client = signed_in(staff_member(market, "volunteer_desk"))
    html = details(client, customer)
    assert customer.email in html
    for label in (
        "Adjust Balance",
        "Add Comment",
        "Edit Customer Info</button>",
        "Update Special Info",
        "Update Membership",
        "Save Address",
        "Adjust loyalty points",
        "Delete Account",
    ):
        assert label not in html, label
    grid = client.get("/admin/customers/").get_data(as_text=True)
    assert "Add Customers" not in grid and "Export CSV" not in grid and "Bonus points" not in grid


def test_the_menu_shows_staff_only_their_screens(signed_in, market):
    client = signed_in(staff_member(market, "volunteer_desk"))
    html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/customers/" in html
    for hidden in ("/admin/audit-log/", "/admin/customer-groups/", "/admin/market-settings/"):
        assert hidden not in html


def test_staff_land_on_the_admin_after_sign_in(client, market):
    from tests.conftest import sign_in

    response = sign_in(client, staff_member(market, "bookkeeper"))
    assert response.headers["Location"].endswith("/admin/")


def test_a_manager_assigns_a_role_in_update_special_info(signed_in, market, customer):
    manager = staff_member(market, "manager")
    client = signed_in(manager)
    response = post(
        client,
        customer,
        "special-info",
        {
            "active": "y",
            "receives_mailings": "y",
            "line_position": "first_come",
            "staff_role": "bookkeeper",
            "version": "1",
        },
        follow=True,
    )
    assert "Special information updated." in response.get_data(as_text=True)
    assert fresh(Account, customer.id).staff_role == StaffRole.BOOKKEEPER
    assert "Staff role" in section(details(client, customer), "account-information")
    response = post(
        client,
        customer,
        "special-info",
        {"active": "y", "line_position": "first_come", "staff_role": "owner", "version": "2"},
    )
    assert response.status_code == 400
    assert "Choose one of the staff roles." in response.get_data(as_text=True)
    assert fresh(Account, customer.id).staff_role == StaffRole.BOOKKEEPER


def test_staff_cannot_give_themselves_more(signed_in, market):
    bookkeeper = staff_member(market, "bookkeeper")
    client = signed_in(bookkeeper)
    response = post(
        client, bookkeeper, "special-info", {"is_manager": "y", "line_position": "first_come"}
    )
    assert response.status_code == 403
    assert not db.session.scalars(
        select(Account.is_manager).where(Account.id == bookkeeper.id)
    ).one()


def test_inactive_staff_and_shoppers_never_reach_the_admin(signed_in, market, client):
    from tests.conftest import sign_in

    shopper = AccountFactory(market=market)
    assert signed_in(shopper).get("/admin/customers/").status_code == 403
    off = staff_member(market, "bookkeeper")
    off.active = False
    db.session.commit()
    assert sign_in(client, off).status_code == 200  # inactive accounts can't sign in at all

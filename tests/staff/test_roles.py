"""Staff roles (spec 002): the market filter for staff, what each role's pages offer, and
assigning a role. Managers keep everything; a role sees only what its template gives."""

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.staff.roles import StaffRole
from lgadmin.timeutil import utcnow
from tests.accounts.helpers import details, fresh, post, section
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory

# Which role may open which screen and run which action is one cell each of the one role
# matrix, tests/security/test_authorization_matrix.py (its ROLE_TABLE is spec 002's by URL).


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

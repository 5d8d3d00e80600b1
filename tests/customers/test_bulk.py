"""Bulk actions on the rows selected in the customer grid (issue 13)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.campaigns.models import Campaign, CampaignRecipient
from lgadmin.customers.bulk import apply_bulk
from lgadmin.extensions import db
from lgadmin.groups.models import CustomerGroup
from lgadmin.membership.service import add_months
from lgadmin.staff.roles import StaffRole
from lgadmin.timeutil import market_today
from tests.accounts.helpers import fresh
from tests.campaigns.test_campaigns import outbox_files, outbox_messages
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory

GRID = "/admin/customers/"
ACTION = "/admin/customers/action/"


@pytest.fixture
def three(market):
    return [AccountFactory(market=market, email=f"c{n}@athens.org") for n in range(3)]


@pytest.fixture
def stranger():
    return AccountFactory(market=MarketFactory(slug="elsewhere"), email="far@elsewhere.org")


def bulk(client, action, ids, url=GRID + "?search=athens", follow=False, **extra):
    token = csrf_token_from(client.get(GRID).get_data(as_text=True))
    data = {"csrf_token": token, "action": action, "url": url, "rowid": [str(i) for i in ids]}
    return client.post(ACTION, data={**data, **extra}, follow_redirects=follow)


def flashed(client) -> str:
    return client.get(GRID).get_data(as_text=True)


def bulk_entries(action):
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == f"customer.bulk_{action}")
    ).all()


# -- the grid ---------------------------------------------------------------------------


def test_the_grid_has_row_checkboxes_select_all_and_the_actions_menu(manager_client, three):
    html = manager_client.get(GRID).get_data(as_text=True)
    for account in three:
        assert f'name="rowid" value="{account.id}" form="lg-bulk-form"' in html
    assert 'class="lg-select-all mr-2"' in html
    menu = html.split('id="lg-bulk-form"')[1].split("</form>")[0]
    labels = [
        "Mark inactive",
        "Mark active",
        "Turn off mailings",
        "Add membership month",
        "Add to group",
        "Email selected",
        "Export selected",
    ]
    positions = [menu.index(f">{label}</button>") for label in labels]
    assert positions == sorted(positions)
    assert 'data-confirm-template="Mark {count} inactive?"' in menu
    assert 'name="csrf_token"' in menu and 'action="/admin/customers/action/"' in menu
    assert "onclick" not in menu
    assert "bulk.js" in html


def test_a_role_with_no_bulk_permission_sees_no_checkboxes_or_menu(signed_in, market, three):
    desk = AccountFactory(market=market, staff_role=StaffRole.VOLUNTEER_DESK)
    html = signed_in(desk).get(GRID).get_data(as_text=True)
    assert three[0].email in html
    assert 'name="rowid"' not in html and "lg-bulk-form" not in html and "bulk.js" not in html


# -- Mark inactive / Mark active / Turn off mailings ------------------------------------


def test_mark_inactive_skips_your_own_account_and_returns_to_the_same_grid_page(
    manager_client, manager, three
):
    response = bulk(manager_client, "mark_inactive", [a.id for a in three] + [manager.id])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/customers/?search=athens")
    assert "3 customers marked inactive; 1 skipped (your own account)." in flashed(manager_client)
    assert [fresh(Account, a.id).active for a in three] == [False, False, False]
    assert fresh(Account, manager.id).active


def test_ids_of_another_market_change_nothing_and_are_counted_as_skipped(
    manager_client, three, stranger
):
    bulk(manager_client, "mark_inactive", [three[0].id, stranger.id, 999999, "x"])
    assert "1 customer marked inactive; 3 skipped (not in this market)." in flashed(manager_client)
    assert fresh(Account, stranger.id).active
    assert not fresh(Account, three[0].id).active
    assert (
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.market_id != three[0].market_id)
        ).all()
        == []
    )


def test_only_ids_of_another_market_change_nothing_at_all(manager_client, stranger):
    bulk(manager_client, "mailings_off", [stranger.id])
    assert "Mailings turned off for 0 customers; 1 skipped (not in this market)." in flashed(
        manager_client
    )
    assert fresh(Account, stranger.id).receives_mailings


def test_one_audit_entry_with_the_count_and_the_ids_besides_each_customers_own(
    manager_client, manager, three
):
    bulk(manager_client, "mark_inactive", [a.id for a in three] + [manager.id])
    (entry,) = bulk_entries("mark_inactive")
    ids = sorted(a.id for a in three)
    assert entry.details["count"] == 3 and sorted(entry.details["ids"]) == ids
    assert entry.details["skipped"] == 1
    assert entry.actor_id == manager.id and entry.market_id == manager.market_id
    per_row = db.session.scalars(
        select(AuditEntry.target_id).where(AuditEntry.action == "customer.special_info_updated")
    ).all()
    assert sorted(per_row) == ids


def test_mark_active_counts_rows_already_active_as_unchanged(manager_client, market):
    asleep = AccountFactory(market=market, active=False)
    awake = AccountFactory(market=market)
    bulk(manager_client, "mark_active", [asleep.id, awake.id])
    assert "1 customer marked active; 1 unchanged (already active)." in flashed(manager_client)
    assert fresh(Account, asleep.id).active


def test_turn_off_mailings(manager_client, three):
    bulk(manager_client, "mailings_off", [three[0].id, three[1].id])
    assert "Mailings turned off for 2 customers." in flashed(manager_client)
    assert [fresh(Account, a.id).receives_mailings for a in three] == [False, False, True]


# -- Add membership month ---------------------------------------------------------------


def test_add_membership_month_uses_the_membership_date_arithmetic(manager_client, market):
    today = market_today(market)
    member_until = today + timedelta(days=10)
    member = AccountFactory(market=market, membership_expires_on=member_until)
    lapsed = AccountFactory(market=market, membership_expires_on=today - timedelta(days=40))
    bulk(manager_client, "add_membership_month", [member.id, lapsed.id])
    assert "Membership extended by a month for 2 customers." in flashed(manager_client)
    assert fresh(Account, member.id).membership_expires_on == add_months(member_until, 1)
    assert fresh(Account, lapsed.id).membership_expires_on == add_months(today, 1)
    assert len(bulk_entries("add_membership_month")) == 1


# -- Add to group -----------------------------------------------------------------------


def group(market, name, percent="10"):
    created = CustomerGroup(market_id=market.id, name=name, discount_percent=Decimal(percent))
    db.session.add(created)
    db.session.commit()
    return created


def test_add_to_group_asks_for_the_group_naming_the_count_then_adds(
    manager_client, market, three, stranger
):
    wholesale = group(market, "Wholesale")
    group(MarketFactory(), "Not ours")
    ids = [three[0].id, three[1].id, stranger.id]
    step = bulk(manager_client, "add_to_group", ids)
    html = step.get_data(as_text=True)
    assert step.status_code == 200
    assert "Add <strong>2 customers</strong> to a customer group." in html
    assert "1 of the selected rows is not in this market" in html
    assert "Wholesale (10 % off)" in html and "Not ours" not in html
    assert 'data-confirm="Add 2 customers to the chosen group?"' in html
    response = bulk(manager_client, "add_to_group", ids, group_id=str(wholesale.id))
    assert response.status_code == 302
    assert "2 customers added to Wholesale; 1 skipped (not in this market)." in flashed(
        manager_client
    )
    assert [fresh(Account, a.id).customer_group_id for a in three] == [
        wholesale.id,
        wholesale.id,
        None,
    ]
    assert fresh(Account, stranger.id).customer_group_id is None
    assert bulk_entries("add_to_group")[0].details["group"] == "Wholesale"


def test_a_group_of_another_market_is_refused_next_to_the_select(manager_client, market, three):
    group(market, "Ours")
    theirs = group(MarketFactory(), "Theirs")
    response = bulk(manager_client, "add_to_group", [three[0].id], group_id=str(theirs.id))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-group">Choose one of this market&#39;s customer groups.' in html
    assert fresh(Account, three[0].id).customer_group_id is None
    assert bulk_entries("add_to_group") == []


# -- Email selected ---------------------------------------------------------------------


def test_email_selected_composes_to_the_count_and_sends_through_the_campaign_service(
    app, manager_client, market, stranger
):
    yes = AccountFactory(market=market, email="yes@athens.org", first_name="Ana")
    no = AccountFactory(market=market, email="no@athens.org", receives_mailings=False)
    AccountFactory(market=market, email="notchosen@athens.org")
    ids = [yes.id, no.id, stranger.id]
    step = bulk(manager_client, "email_selected", ids)
    html = step.get_data(as_text=True)
    assert "To <strong>2 customers</strong>." in html and "Send to 2 customers" in html
    before = outbox_files(app)
    response = manager_client.post(
        "/admin/customers/bulk/email",
        data={
            "csrf_token": csrf_token_from(html),
            "rowid": [str(i) for i in ids],
            "subject": "Strawberries",
            "message": "Come early",
            "url": GRID,
        },
    )
    assert response.status_code == 302 and "/admin/campaigns/" in response.headers["Location"]
    assert [m["To"] for m in outbox_messages(app, before)] == ["yes@athens.org"]
    campaign = db.session.scalar(select(Campaign))
    assert campaign.recipient_count == 2 and campaign.segment_name == "2 selected customers"
    recipients = db.session.scalars(select(CampaignRecipient.email)).all()
    assert sorted(recipients) == ["no@athens.org", "yes@athens.org"]
    summary = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sending to 2 customers; 1 skipped (not in this market)." in summary
    assert bulk_entries("email_selected")[0].details["count"] == 2


def test_email_selected_without_a_subject_keeps_the_message(manager_client, market):
    customer = AccountFactory(market=market)
    html = bulk(manager_client, "email_selected", [customer.id]).get_data(as_text=True)
    response = manager_client.post(
        "/admin/customers/bulk/email",
        data={"csrf_token": csrf_token_from(html), "rowid": [customer.id], "message": "Keep me"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="error-subject">Write a subject.' in page
    assert ">Keep me</textarea>" in page
    assert db.session.scalar(select(Campaign)) is None and bulk_entries("email_selected") == []


# -- Export selected --------------------------------------------------------------------


def test_export_selected_is_the_grid_csv_of_the_selected_rows_only(manager_client, three, stranger):
    response = bulk(manager_client, "export_selected", [three[0].id, three[2].id, stranger.id])
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "selected" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["first name", "last name", "email"]
    assert sorted(r[2] for r in rows[1:]) == ["c0@athens.org", "c2@athens.org"]
    (entry,) = bulk_entries("export_selected")
    assert entry.details["count"] == 2 and entry.details["skipped"] == 1


# -- permissions and CSRF ---------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "mark_inactive",
        "mailings_off",
        "add_membership_month",
        "add_to_group",
        "email_selected",
        "export_selected",
    ],
)
def test_a_staff_role_without_the_permission_is_refused(signed_in, market, three, action):
    bookkeeper = signed_in(AccountFactory(market=market, staff_role=StaffRole.BOOKKEEPER))
    response = bulk(bookkeeper, action, [three[0].id])
    assert response.status_code == 403
    assert fresh(Account, three[0].id).active and fresh(Account, three[0].id).receives_mailings
    assert bulk_entries(action) == []


def test_sending_the_email_needs_the_campaign_permission(signed_in, market, three):
    support = signed_in(AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT))
    token = csrf_token_from(support.get(GRID).get_data(as_text=True))
    response = support.post(
        "/admin/customers/bulk/email",
        data={"csrf_token": token, "rowid": [three[0].id], "subject": "S", "message": "M"},
    )
    assert response.status_code == 403 and db.session.scalar(select(Campaign)) is None


def test_a_bulk_action_without_the_csrf_token_is_refused(manager_client, three):
    response = manager_client.post(ACTION, data={"action": "mark_inactive", "rowid": [three[0].id]})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert fresh(Account, three[0].id).active and bulk_entries("mark_inactive") == []


# -- the service ------------------------------------------------------------------------


def test_the_service_reads_every_id_through_the_market_filter(manager, market, three, stranger):
    result = apply_bulk(manager, market, "mark_inactive", [three[0].id, stranger.id, "7x"])
    db.session.commit()
    assert result.changed == [three[0].id] and len(result.skipped) == 2
    assert fresh(Account, stranger.id).active


def test_email_or_export_of_only_other_market_ids_sends_and_exports_nothing(
    manager_client, stranger
):
    response = bulk(manager_client, "email_selected", [stranger.id])
    assert response.status_code == 302
    assert "None of the selected customers is in this market: nothing was changed." in flashed(
        manager_client
    )
    response = bulk(manager_client, "export_selected", [stranger.id])
    assert response.status_code == 302
    assert "Nothing to export: 0 customers exported; 1 skipped (not in this market)." in flashed(
        manager_client
    )
    assert db.session.scalar(select(Campaign)) is None


def test_more_ids_than_the_largest_page_are_refused_with_a_message(manager_client, three):
    bulk(manager_client, "mark_inactive", list(range(1, 1003)))
    assert "Select at most 1,000 customers at a time." in flashed(manager_client)
    assert fresh(Account, three[0].id).active


def test_add_to_group_of_only_other_market_ids_goes_back_to_the_grid(
    manager_client, market, stranger
):
    group(market, "Ours")
    response = bulk(manager_client, "add_to_group", [stranger.id])
    assert response.status_code == 302
    assert "None of the selected customers is in this market" in flashed(manager_client)


def test_an_export_of_no_customer_of_this_market_writes_no_export_entry(manager_client, stranger):
    """The export's entry is written as the file leaves (export.customers_download); when
    nothing leaves there is nothing to record."""
    response = bulk(manager_client, "export_selected", [stranger.id])
    assert response.status_code == 302
    assert bulk_entries("export_selected") == []

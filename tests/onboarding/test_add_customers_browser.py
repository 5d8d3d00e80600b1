"""A manager adds customers in a real browser: one account, a CSV with good and bad rows,
and invitations, through the "Add Customers" window of the customer list."""

import pytest
from playwright.sync_api import expect

from lgadmin.extensions import db
from tests.factories import PASSWORD, AccountFactory, PickupLocationFactory

pytestmark = pytest.mark.browser

CSV = (
    "First Name,Last Name,Email,Phone,Pickup Location\n"
    "Ana,López,ana@example.org,(706) 543-1234,downtown\n"
    "Bo,,bo@example.org,,\n"
    "Cy,Diaz,not-an-email,,\n"
    "Dee,Evans,ana@example.org,,\n"
    "Eli,Taken,taken@example.org,,\n"
    "Fay,Green,fay@example.org,,Nowhere\n"
    "Gil,O'Hara-Ní,gil@example.org,,\n"
)


@pytest.fixture(autouse=True)
def pickups_and_a_taken_address(market):
    """The market offers the Downtown pickup, and taken@example.org already has an account."""
    market.pickup_locations_enabled = True
    PickupLocationFactory(market=market, name="Downtown")
    AccountFactory(market=market, email="taken@example.org")
    db.session.commit()


def _sign_in(page, live_server, manager):
    page.goto(f"{live_server}/m/{manager.market.slug}/sign-in?next=/admin/customers/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/customers/**")


def _open(page, tab: str):
    page.get_by_role("button", name="Add Customers").click()
    dialog = page.get_by_role("dialog", name="Add Customers")
    expect(dialog).to_be_visible()
    dialog.get_by_role("tab", name=tab).click()
    return dialog


def test_manager_adds_one_imports_a_csv_and_sends_invitations(live_server, page, manager):
    _sign_in(page, live_server, manager)

    # One at a time
    dialog = _open(page, "One at a time")
    dialog.get_by_label("First name").fill("Renée")
    dialog.get_by_label("Last name").fill("<b>Bold</b>")
    dialog.get_by_label("Email", exact=True).fill("renee@example.org")
    dialog.get_by_label("Pickup location").select_option(label="Downtown")
    dialog.get_by_role("button", name="Create Account").click()
    expect(dialog.get_by_role("status")).to_contain_text(
        "Account created for Renée <b>Bold</b> (renee@example.org)"
    )
    expect(dialog.get_by_label("First name")).to_have_value("")
    expect(dialog.get_by_label("First name")).to_be_focused()
    dialog.get_by_label("First name").fill("Renée")
    dialog.get_by_label("Last name").fill("Again")
    dialog.get_by_label("Email", exact=True).fill("RENEE@example.org ")
    dialog.get_by_role("button", name="Create Account").click()
    expect(dialog.get_by_text("already has an account")).to_be_visible()

    # Upload a CSV
    dialog.get_by_role("tab", name="Upload a CSV").click()
    dialog.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "market-day.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    dialog.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/admin/customers/import/*")
    expect(page.locator(".lg-import-totals")).to_contain_text("7 rows: 2 Ready, 5 will be skipped")
    expected = {
        2: "Ready",
        3: "Skipped: missing name (no last name)",
        4: "Skipped: invalid email",
        5: "Skipped: duplicate within the file (same email as row 2)",
        6: "Skipped: already has an account",
        7: "Skipped: unrecognized pickup location",
        8: "Ready",
    }
    for row, status in expected.items():
        expect(page.locator(f'tr[data-row="{row}"] .lg-row-status')).to_have_text(status)
    page.get_by_role("button", name="Import").dblclick()
    expect(page.locator(".lg-import-result")).to_contain_text("Imported 2 customers")
    expect(page.locator('tr[data-row="2"] .lg-row-status')).to_have_text("Created")
    page.get_by_role("link", name="Back to the customer list").first.click()
    for email in ("renee@example.org", "ana@example.org", "gil@example.org"):
        expect(page.locator(".lg-grid").get_by_text(email)).to_have_count(1)

    # Send invitations
    dialog = _open(page, "Send invitations")
    dialog.get_by_label("Email addresses").fill(
        "new1@example.org, new2@example.org\nana@example.org; what is this"
    )
    dialog.get_by_label("Personal message (optional)").fill("See you Saturday!")
    dialog.get_by_role("button", name="Send Invitations").dblclick()
    page.wait_for_url("**/admin/customers/invitations/*")
    summary = page.locator(".lg-invite-summary")
    expect(summary).to_contain_text("2 invitations sent.")
    expect(summary).to_contain_text("Skipped: 1 already has an account")
    expect(page.locator(".lg-skipped")).to_have_text("ana@example.org")
    expect(page.locator(".lg-not-email")).to_have_text("what is this")
    page.screenshot(path=str(_artifact("invitations-summary.png")))


def test_the_window_opens_on_the_tab_in_the_address(live_server, page, manager):
    _sign_in(page, live_server, manager)
    page.goto(f"{live_server}/admin/customers/?add=csv")
    dialog = page.get_by_role("dialog", name="Add Customers")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("tab", name="Upload a CSV")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(dialog.get_by_role("link", name="Download the blank template")).to_be_visible()


def _artifact(name: str):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.gettempdir()) / "lgadmin-browser"
    folder.mkdir(exist_ok=True)
    return folder / name

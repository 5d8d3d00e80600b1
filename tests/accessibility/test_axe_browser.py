"""axe-core (WCAG 2.1 A and AA) finds no serious or critical problem on lgadmin's main screens.

axe.min.js comes with the axe-playwright-python test extra, so this runs offline."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.accessibility.conftest import sign_in_as

pytestmark = pytest.mark.browser

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
_axe = Axe()


def serious_problems(page) -> list[str]:
    """Each serious or critical violation on the page, with the first few elements it hit."""
    results = _axe.run(page, options=WCAG_AA)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        # One line per distinct failure (e.g. each pair of colours), with an element it hit.
        seen = {}
        for node in violation["nodes"]:
            summary = node["failureSummary"].split("\n", 1)[-1].strip()
            seen.setdefault(summary, " ".join(map(str, node["target"])))
        problems.extend(
            f"{violation['id']}: {summary} [{target}]" for summary, target in seen.items()
        )
    return problems


def assert_no_serious_problems(page):
    problems = serious_problems(page)
    assert not problems, f"{page.url}\n" + "\n".join(problems)


ADMIN_SCREENS = {
    "dashboard": "/admin/",
    "grid": "/admin/customers/",
    "mail events": "/admin/mail-events/",
    "segments": "/admin/segments/",
    "new segment": "/admin/segments/new",
    "campaigns": "/admin/campaigns/",
    "new campaign": "/admin/campaigns/new",
}


@pytest.mark.parametrize("path", ADMIN_SCREENS.values(), ids=ADMIN_SCREENS.keys())
def test_admin_screen(full_market, live_server, page, path):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager)
    page.goto(f"{live_server}{path}")
    page.wait_for_load_state("networkidle")
    assert_no_serious_problems(page)
    # What axe counts as best practice only, required here: the page's language, one main
    # landmark with the page's one h1 in it, and a skip link as the first stop of Tab.
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()


def test_customer_details(full_market, live_server, page):
    _, manager, member = full_market
    sign_in_as(page, live_server, manager)
    page.goto(f"{live_server}/admin/customers/details/?id={member.id}")
    assert_no_serious_problems(page)


@pytest.mark.parametrize("tab", ["One at a time", "Upload a CSV", "Send invitations"])
def test_add_customers_tab(full_market, live_server, page, tab):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/")
    page.get_by_role("button", name="Add Customers").click()
    dialog = page.get_by_role("dialog", name="Add Customers")
    dialog.get_by_role("tab", name=tab).click()
    expect(dialog.get_by_role("tabpanel")).to_be_visible()
    page.wait_for_timeout(300)  # the dialog's fade
    assert_no_serious_problems(page)


def test_csv_preview(full_market, live_server, page):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/")
    page.goto(f"{live_server}/admin/customers/?add=csv")
    dialog = page.get_by_role("dialog", name="Add Customers")
    dialog.get_by_label("CSV or Excel file").set_input_files(
        files=[
            {
                "name": "day.csv",
                "mimeType": "text/csv",
                "buffer": b"First Name,Last Name,Email\nAna,Lopez,ana@example.org\nBo,,bad\n",
            }
        ]
    )
    dialog.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/admin/customers/import/*")
    assert_no_serious_problems(page)


def test_act_as_banner_on_the_checkout(full_market, live_server, page):
    _, manager, member = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/")
    page.goto(f"{live_server}/admin/customers/?search=mel")
    page.locator(".lg-grid tbody tr", has_text="mel@example.org").get_by_role(
        "link", name="Act as"
    ).click()
    page.locator("#lg-act-as-modal").get_by_role("button", name="Act as customer").click()
    expect(page.locator(".lg-act-as-banner")).to_be_visible()
    assert_no_serious_problems(page)
    page.get_by_label("Quantity of Salad mix").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Cart").click()
    expect(page.locator(".lg-cart-total")).to_be_visible()
    assert_no_serious_problems(page)


def test_sign_in(full_market, live_server, page):
    market, _, _ = full_market
    page.goto(f"{live_server}/m/{market.slug}/sign-in")
    assert_no_serious_problems(page)
    page.goto(f"{live_server}/sign-in")
    assert_no_serious_problems(page)

"""The manager's everyday flows by keyboard alone: Tab, Enter, arrows and Escape, no mouse.

Each step presses keys only; the test reads where the focus is and what the page says."""

import pytest
from playwright.sync_api import expect

from tests.accessibility.conftest import sign_in_as

pytestmark = pytest.mark.browser

MAX_TABS = 120


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator, key="Tab") -> int:
    """Press Tab until `locator` has the focus; returns how many presses it took."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press(key)
        if is_focused(locator):
            return presses
    raise AssertionError(f"{locator} never got the focus in {MAX_TABS} Tabs")


def focus_ring_width(locator) -> float:
    """The focused element's outline or box-shadow: something a sighted user can see."""
    return locator.evaluate(
        """element => {
            const style = getComputedStyle(element);
            const outline = style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
            return outline + (style.boxShadow && style.boxShadow !== 'none' ? 1 : 0);
        }"""
    )


def test_add_one_customer_by_keyboard_and_escape_returns_to_the_button(
    full_market, live_server, page
):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/")
    opener = page.get_by_role("button", name="Add Customers")
    tab_to(page, opener)
    assert focus_ring_width(opener) > 0
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add Customers")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("First name")).to_be_focused()
    page.keyboard.type("Kim")
    page.keyboard.press("Tab")
    page.keyboard.type("Keys")
    tab_to(page, dialog.get_by_label("Email", exact=True))
    page.keyboard.type("kim@example.org")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("status")).to_contain_text("Account created for Kim Keys")

    # The other tabs: arrow keys or Tab reach them; the CSV tab's file field takes the focus.
    tab = dialog.get_by_role("tab", name="Upload a CSV")
    tab_to(page, tab, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(dialog.get_by_label("CSV or Excel file")).to_be_focused()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_a_refused_adjustment_says_why_and_leads_back_to_the_field(full_market, live_server, page):
    _, manager, member = full_market
    sign_in_as(page, live_server, manager)
    page.goto(f"{live_server}/admin/customers/details/?id={member.id}")

    # The skip link comes first and lands in the page's main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#lg-main")).to_be_focused()

    amount = page.get_by_label("Adjustment amount")
    tab_to(page, amount)
    page.keyboard.type("lots")
    page.keyboard.press("Enter")

    summary = page.locator(".lg-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The balance was not adjusted")
    amount = page.get_by_label("Adjustment amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{amount.get_attribute('aria-describedby').split()[0]}")
    expect(message).to_be_visible()
    expect(message).to_have_class("invalid-feedback d-block")

    # From the summary, one Tab and Enter put the cursor back in the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(amount).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("25")
    page.keyboard.press("Tab")
    reason = page.get_by_label("Reason", exact=True)
    expect(reason).to_be_focused()
    page.keyboard.press("ArrowDown")  # Customer Paid Cash, the first reason
    expect(reason).to_have_value("cash")
    tab_to(page, page.get_by_role("button", name="Adjust Balance"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("New balance: $65.00.")
    expect(page.locator(".lg-balance")).to_have_text("$65.00")


def test_update_membership_by_keyboard(full_market, live_server, page):
    _, manager, member = full_market
    sign_in_as(page, live_server, manager)
    page.goto(f"{live_server}/admin/customers/details/?id={member.id}")
    change = page.get_by_label("Adjustment", exact=True)
    tab_to(page, change)
    page.keyboard.press("ArrowDown")  # Add A Year
    expect(change).to_have_value("add_year")
    tab_to(page, page.get_by_role("button", name="Update Membership"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("now expires")


def test_status_icons_are_named_and_out_of_the_tab_order(full_market, live_server, page):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/")
    icons = page.locator(".lg-grid .lg-icon")
    assert icons.count() >= 5
    for icon in icons.all():
        assert icon.get_attribute("role") == "img"
        assert icon.get_attribute("aria-label")
        assert icon.get_attribute("tabindex") is None
    names = {icon.get_attribute("aria-label") for icon in icons.all()}
    assert {"Manager", "Volunteer"} <= names or len(names) >= 4, names

    # A tooltip shown on hover goes away with Escape, the mouse still over the icon.
    icons.first.hover()
    tooltip = page.locator(".tooltip")
    expect(tooltip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()


def test_a_negative_balance_is_told_by_more_than_its_colour(full_market, live_server, page):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/?search=owen")
    cell = page.locator(".lg-grid .lg-negative")
    # A minus sign, not only red: screen readers say "minus", and it shows in any colour.
    expect(cell).to_have_text("\u2212$12.50")


def test_closing_the_act_as_dialog_with_escape_returns_to_its_link(full_market, live_server, page):
    _, manager, _ = full_market
    sign_in_as(page, live_server, manager, "/admin/customers/?search=mel")
    act_as = page.locator(".lg-grid tbody tr", has_text="mel@example.org").get_by_role(
        "link", name="Act as"
    )
    tab_to(page, act_as)
    page.keyboard.press("Enter")
    dialog = page.locator("#lg-act-as-modal")
    expect(dialog.get_by_label("Reason (optional)")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(act_as).to_be_focused()

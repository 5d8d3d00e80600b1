import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["lgadmin", "demo-data", "--customers", "25"])
    assert result.exit_code == 0, result.output


def test_demo_manager_signs_in_and_reaches_the_customers(demo, live_server, page):
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Athens Locally Grown").click()
    page.get_by_label("Email").fill("manager@athens.example.org")
    page.get_by_label("Password").fill("LocalFood1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Active Shoppers")).to_be_visible()
    expect(page.locator(".lg-market-name")).to_have_text("Athens Locally Grown")
    active = int(page.locator('[data-card="active-shoppers"] .h3').inner_text())
    page.get_by_role("link", name="Manage Customers: show the active accounts").click()
    page.wait_for_url("**/admin/customers/?status=active")
    expect(page.locator(".lg-grid tbody tr")).to_have_count(active)  # the card's own list
    page.go_back()
    page.locator(".lg-quick-actions").get_by_role("link", name="Manage Customers").click()
    page.wait_for_url("**/admin/customers/**")
    # 25 customers, the manager, the demo shopper, the staff member, six growers, four guests
    # and three pairs of duplicates
    expect(page.locator(".lg-grid tbody tr")).to_have_count(44)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_wrong_password_shows_one_message(demo, live_server, page):
    page.goto(f"{live_server}/m/athens/sign-in")
    page.get_by_label("Email").fill("manager@athens.example.org")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That email and password don't match an active account."
    )

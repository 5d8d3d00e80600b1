"""In Chromium, on the worked example served for real: a market manager signs in through the
host's own login page, finds a customer in lgadmin's grid inside the host's Admin, acts as
them on the shopper pages in the host's layout and comes back; the host's own pages, its
inline script and its Flask-Admin's delete confirmation, work as before."""

import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from examples.host_app.models import Product, db
from lgadmin.accounts.models import Account
from lgadmin.act_as.models import ActAsSession
from tests.host.example import PASSWORD, build_example, host_user, lgadmin_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def example_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example_browser")
    app = build_example(f"sqlite:///{folder / 'green_valley.db'}", folder)
    app.config["LGADMIN_BASE_URL"] = None  # links from the served address (a local one)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def watch_scripts(page) -> list[str]:
    """Script errors and refused scripts or styles (a Content-Security-Policy violation).
    A missing resource is not one: the host has no favicon."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console",
        lambda m: (
            problems.append(f"{page.url}: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    return problems


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_manager_uses_the_grid_and_act_as_inside_the_hosts_admin(example_server, page):
    app, base = example_server
    with app.app_context():
        manager = lgadmin_account(host_user("manager@greenvalley.test"))
        customer = db.session.scalars(
            select(Account)
            .where(
                Account.market_id == manager.market_id,
                Account.is_manager.is_(False),
                Account.staff_role.is_(None),
                Account.is_guest.is_(False),
                Account.active.is_(True),
                Account.last_name != "",
            )
            .order_by(Account.id)
        ).first()
        name, email, last_name = customer.full_name, customer.email, customer.last_name
        db.session.remove()
    problems = watch_scripts(page)
    log_in(page, base, "manager@greenvalley.test")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Customers").first.click()  # the host navbar's menu
    with page.expect_navigation(wait_until="load"):
        page.locator(".dropdown-menu").get_by_role("link", name="Customers", exact=True).click()
    expect(page.locator("#host-footer")).to_be_visible()  # the host Admin's layout
    page.get_by_role("textbox", name="Search name or email").fill(last_name)
    with page.expect_navigation(wait_until="load"):  # the grid's script binds Act as on load
        page.keyboard.press("Enter")
    row = page.locator(".lg-grid tbody tr", has_text=email)
    expect(row).to_be_visible()
    row.get_by_role("link", name="Act as").click()
    dialog = page.locator("#lg-act-as-modal")
    dialog.get_by_label("Reason (optional)").fill("Helping at the till")
    dialog.get_by_role("button", name="Act as customer").click()

    banner = page.locator(".lg-act-as-banner")
    expect(banner).to_contain_text(f"Acting as {name}")
    expect(page.locator(".navbar-brand")).to_have_text("Green Valley")  # the host's layout
    expect(page.locator("#host-home-link")).to_be_visible()  # the host's template override
    banner.get_by_role("button", name="End session").click()
    expect(page.get_by_role("alert").first).to_contain_text("You are back in your own account")
    expect(page.locator(".lg-details-header")).to_contain_text(name)
    expect(page.locator("#host-user")).to_have_text("Marta Manager")  # the host's sign-in
    assert problems == []
    with app.app_context():
        record = db.session.scalars(select(ActAsSession)).one()
        assert record.reason == "Helping at the till" and record.ended_at is not None
        db.session.remove()


def test_the_hosts_own_pages_still_work(example_server, page):
    app, base = example_server
    problems = watch_scripts(page)
    page.goto(f"{base}/")
    expect(page.locator("#out")).to_have_text("the host's script ran")
    log_in(page, base, "owner@greenvalley.test")
    dialogs = []

    def decline(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", decline)
    page.goto(f"{base}/admin/product/")
    expect(page.get_by_text("Heirloom tomatoes")).to_be_visible()
    page.locator("form.icon button, form.icon input[type=submit]").first.click()
    assert dialogs and "delete" in dialogs[0].lower()
    with app.app_context():
        assert db.session.scalar(select(Product).where(Product.name == "Heirloom tomatoes"))
        db.session.remove()
    # The host's owner is nobody to lgadmin: its screens refuse them.
    response = page.goto(f"{base}/admin/lgadmin/customers/")
    assert response.status == 403
    assert problems == []

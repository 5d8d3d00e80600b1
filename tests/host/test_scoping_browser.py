"""In Chromium, with lgadmin installed: the host's inline script runs, its own Flask-Admin's
Delete still asks for confirmation, and lgadmin's own screens run clean under their CSP."""

import threading

import pytest
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from playwright.sync_api import expect
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.serving import make_server

from lgadmin import db
from tests.factories import PASSWORD, AccountFactory, MarketFactory
from tests.host.test_scoping import build_host

pytestmark = pytest.mark.browser


class HostBase(DeclarativeBase):
    """The host's own models, on metadata of their own (not lgadmin's)."""


class HostProduct(HostBase):
    __tablename__ = "host_product"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


def host_with_its_own_admin(host):
    db.init_app(host)  # the host uses lgadmin's db for now
    admin = Admin(host, name="Host shop", url="/host-admin", endpoint="host_admin")
    admin.add_view(ModelView(HostProduct, db, endpoint="host_products"))
    with host.app_context():
        HostBase.metadata.create_all(db.engine)
        db.session.add(HostProduct(name="Heirloom tomatoes"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="module")
def host_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("host_browser")
    host = build_host(
        f"sqlite:///{folder / 'host.db'}",
        str(folder / "outbox"),
        before_lgadmin=host_with_its_own_admin,
    )
    server = make_server("127.0.0.1", 0, host, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield host, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def script_problems(page) -> list[str]:
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on(
        "console", lambda m: problems.append(f"{page.url}: {m.text}") if m.type == "error" else None
    )
    return problems


def test_the_hosts_inline_script_runs(host_server, page):
    _, base = host_server
    problems = script_problems(page)
    page.goto(f"{base}/")
    expect(page.locator("#out")).to_have_text("the host's script ran")
    assert problems == []


def test_the_hosts_flask_admin_delete_still_asks_first(host_server, page):
    host, base = host_server
    dialogs = []

    def decline(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", decline)
    page.goto(f"{base}/host-admin/host_products/")
    expect(page.get_by_text("Heirloom tomatoes")).to_be_visible()
    page.locator("form.icon button, form.icon input[type=submit]").first.click()
    assert dialogs and "delete" in dialogs[0].lower()
    page.goto(f"{base}/host-admin/host_products/")
    expect(page.get_by_text("Heirloom tomatoes")).to_be_visible()
    with host.app_context():
        assert db.session.query(HostProduct).count() == 1
        db.session.remove()


def test_lgadmins_screens_run_clean_on_the_host(host_server, page):
    host, base = host_server
    with host.app_context():
        market = MarketFactory(name="Host Market", slug="hosted")
        manager = AccountFactory(market=market, manager=True)
        AccountFactory(market=market, first_name="Casey")
        email = manager.email
        db.session.remove()
    problems = script_problems(page)
    page.goto(f"{base}/lgadmin/m/hosted/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Active Shoppers")).to_be_visible()
    response = page.goto(f"{base}/admin/customers/")
    assert "nonce-" in response.headers["content-security-policy"]
    expect(page.get_by_text("Casey").first).to_be_visible()
    assert problems == []

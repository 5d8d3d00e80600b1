"""lgadmin inside a host app touches only its own pages (issue 22, point 3).

A small host, built here with its own routes: a page with an inline script, a JSON API,
a login form posted without a CSRF token, a blueprint, and a template using its own
`money` filter. With lgadmin installed, those keep answering as the host wrote them,
while lgadmin's own pages keep their security headers and refuse token-less POSTs.
The host uses lgadmin's `db` for now, on a SQLite database of its own.
"""

import pytest
from flask import Blueprint, Flask, jsonify, render_template_string, request
from flask_wtf import CSRFProtect

from lgadmin import LGAdmin, db
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory
from tests.security.test_csrf import EXEMPT
from tests.security.test_csrf import _state_changing_rules as state_changing_rules
from tests.security.test_csrf import _url as url_for_rule

INLINE_SCRIPT_PAGE = """<!doctype html>
<html><head><link rel="icon" href="data:,"></head><body>
<p id="out">waiting</p>
<script>document.getElementById("out").textContent = "the host's script ran";</script>
</body></html>"""

LGADMIN_HEADERS = ("Content-Security-Policy", "X-Frame-Options")


def host_money(cents: int) -> str:
    return f"{cents} host cents"


def build_host(
    database: str, outbox: str, *, with_csrf: bool = False, before_lgadmin=None
) -> Flask:
    host = Flask("host_app")
    host.config.update(SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=database)
    host.config.update(LGADMIN_OUTBOX=outbox)
    # The host's own filter, registered before lgadmin is installed.
    host.add_template_filter(host_money, "money")
    if with_csrf:
        CSRFProtect(host)

    @host.route("/")
    def home():
        return INLINE_SCRIPT_PAGE

    @host.route("/api/orders", methods=["POST"])
    def create_order():
        return jsonify(created=request.get_json()["product"]), 201

    @host.route("/login", methods=["POST"])
    def host_login():
        return f"welcome {request.form['user']}"

    @host.route("/prices")
    def prices():
        return render_template_string(
            "{{ 1250 | money }}|{{ can is defined }}|{{ current_market is defined }}"
            "|{{ act_as is defined }}|{{ lgadmin_markets is defined }}"
        )

    pages = Blueprint("host_pages", __name__)

    @pages.route("/about")
    def about():
        return "about the host"

    @pages.route("/feedback", methods=["POST"])
    def feedback():
        return "thanks"

    host.register_blueprint(pages)
    if before_lgadmin is not None:
        before_lgadmin(host)  # more of the host (its own Flask-Admin...), set up first
    plugin = LGAdmin()
    plugin.init_app(host)
    host.extensions["lgadmin_plugin"] = plugin  # for the tests below
    with host.app_context():
        db.create_all()
    return host


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    folder = tmp_path_factory.mktemp("host")
    return build_host(f"sqlite:///{folder / 'host.db'}", str(folder / "outbox"))


@pytest.fixture(scope="module")
def host_with_csrf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("host_csrf")
    return build_host(f"sqlite:///{folder / 'host.db'}", str(folder / "outbox"), with_csrf=True)


@pytest.fixture
def host_manager_client(host):
    client = host.test_client()
    with host.app_context():
        manager = AccountFactory(manager=True)
        assert sign_in(client, manager).status_code == 302
        client.manager_id = manager.id
        db.session.remove()
    return client


@pytest.mark.parametrize("path", ["/", "/about", "/prices", "/no-such-host-page"])
def test_the_hosts_pages_carry_none_of_lgadmins_headers(host, path):
    response = host.test_client().get(path)
    for header in LGADMIN_HEADERS:
        assert header not in response.headers, (path, header)


def test_the_hosts_inline_script_page_is_served_as_written(host):
    response = host.test_client().get("/")
    assert response.get_data(as_text=True) == INLINE_SCRIPT_PAGE


def test_the_hosts_posts_need_no_lgadmin_token(host):
    client = host.test_client()
    api = client.post("/api/orders", json={"product": "eggs"})
    assert api.status_code == 201 and api.get_json() == {"created": "eggs"}
    login = client.post("/login", data={"user": "ann"})
    assert login.status_code == 200 and login.get_data(as_text=True) == "welcome ann"
    assert client.post("/feedback", data={}).get_data(as_text=True) == "thanks"


def test_the_hosts_templates_keep_their_money_filter_and_get_no_lgadmin_names(host):
    body = host.test_client().get("/prices").get_data(as_text=True)
    assert body == "1250 host cents|False|False|False|False"
    assert host.jinja_env.filters["money"] is host_money
    assert "lgadmin_money" in host.jinja_env.filters


def test_lgadmins_pages_still_carry_the_headers(host, host_manager_client):
    anonymous = host.test_client()
    for response in (
        anonymous.get("/lgadmin/sign-in"),
        anonymous.get("/lgadmin/healthz"),
        anonymous.get("/lgadmin/static/lgadmin.css"),
        host_manager_client.get("/admin/"),
        host_manager_client.get("/admin/customers/"),
        host_manager_client.get(f"/admin/customers/details/?id={host_manager_client.manager_id}"),
    ):
        assert response.status_code in (200, 404), response.request.path
        assert "nonce-" in response.headers["Content-Security-Policy"], response.request.path
        assert response.headers["X-Frame-Options"] == "DENY"


def test_lgadmins_pages_render_with_their_own_helpers(host, host_manager_client):
    page = host_manager_client.get(f"/admin/customers/details/?id={host_manager_client.manager_id}")
    assert page.status_code == 200
    assert "host cents" not in page.get_data(as_text=True)


def test_every_lgadmin_post_refuses_a_request_without_a_token(host, host_manager_client):
    """The CSRF battery of tests/security, on the host: every state-changing endpoint lgadmin
    registered (its blueprints and its Flask-Admin views) but the signed webhooks."""
    ours = host.extensions["lgadmin_plugin"].blueprint_names
    checked = 0
    for rule, method in state_changing_rules(host):
        if rule.endpoint.partition(".")[0] not in ours or rule.endpoint in EXEMPT:
            continue
        response = host_manager_client.open(url_for_rule(rule, "x"), method=method, data={})
        assert response.status_code == 400, (method, rule.rule, response.status_code)
        assert "CSRF" in response.get_data(as_text=True), (method, rule.rule)
        checked += 1
    assert checked >= 30
    refused = host.test_client().post(
        "/lgadmin/sign-in", data={"email": "a@b.org", "password": "x"}
    )
    assert refused.status_code == 400


def test_lgadmins_webhooks_stay_exempt(host):
    response = host.test_client().post("/lgadmin/webhooks/mail/mailgun", data={})
    assert "CSRF" not in response.get_data(as_text=True)  # refused for its signature, if at all


def test_a_row_outside_the_managers_market_is_a_404_on_lgadmins_pages(host, host_manager_client):
    with host.app_context():
        stranger = AccountFactory()
        stranger_id = stranger.id
        db.session.remove()
    response = host_manager_client.get(f"/admin/customers/details/?id={stranger_id}")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)  # lgadmin's


def test_the_hosts_own_errors_keep_the_hosts_pages(host):
    client = host.test_client()
    for response in (client.get("/no-such-host-page"), client.get("/login")):
        assert response.status_code in (404, 405)
        assert "There is nothing at this address." not in response.get_data(as_text=True)
        assert "Something is wrong with that request" not in response.get_data(as_text=True)


class TestWithTheHostsOwnCSRFProtect:
    def test_the_host_keeps_its_rule_and_lgadmins_forms_work(self, host_with_csrf):
        client = host_with_csrf.test_client()
        # The host's own CSRFProtect still guards the host's login form...
        assert client.post("/login", data={"user": "ann"}).status_code == 400
        # ...and lgadmin's sign-in, with its token, passes both checks.
        with host_with_csrf.app_context():
            manager = AccountFactory(manager=True)
            assert sign_in(client, manager).status_code == 302
            db.session.remove()
        page = client.get("/admin/customers/").get_data(as_text=True)
        token = csrf_token_from(page)
        assert client.post("/lgadmin/sign-out", data={"csrf_token": token}).status_code == 302

    def test_lgadmins_webhooks_are_exempted_on_the_hosts_csrf_protect_too(self, host_with_csrf):
        response = host_with_csrf.test_client().post("/lgadmin/webhooks/mail/mailgun", data={})
        assert "CSRF" not in response.get_data(as_text=True)

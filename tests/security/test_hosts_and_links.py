"""Emailed links never trust the request's Host: a public address in production, a trusted
list in development; sign-in links are for shoppers only, and asking for links is limited."""

import pytest
from flask import Flask

from lgadmin import LGAdmin
from lgadmin.accounts.models import Account
from lgadmin.config import LOCAL_HOSTS, settings_from_environment
from lgadmin.extensions import db
from lgadmin.staff.roles import StaffRole
from tests.auth.test_sign_in_link import link_path
from tests.conftest import DATABASE_URL, csrf_token_from
from tests.factories import AccountFactory, SuperuserFactory
from tests.onboarding.helpers import post_form

FORGED = "http://evil.example.com"


@pytest.fixture(autouse=True)
def sign_in_links_on(market):
    """Every test here runs with sign-in links on in the market."""
    market.sign_in_link_enabled = True
    db.session.commit()


def test_production_stops_at_start_up_without_a_public_address(monkeypatch, tmp_path):
    monkeypatch.setenv("LGADMIN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("LGADMIN_BASE_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        settings_from_environment(str(tmp_path))
    assert str(stopped.value) == "lgadmin: LGADMIN_BASE_URL must be set when LGADMIN_ENV=production"
    monkeypatch.setenv("LGADMIN_BASE_URL", "shop.example.org")
    with pytest.raises(SystemExit) as stopped:
        settings_from_environment(str(tmp_path))
    assert str(stopped.value).startswith("lgadmin: LGADMIN_BASE_URL must be an address such as")
    monkeypatch.setenv("LGADMIN_BASE_URL", "https://shop.example.org/")
    settings = settings_from_environment(str(tmp_path))
    assert settings["LGADMIN_BASE_URL"] == "https://shop.example.org/"
    assert settings["TRUSTED_HOSTS"] is None  # links come from the public address


def test_trusted_hosts_are_local_in_development_unless_listed(monkeypatch, tmp_path):
    monkeypatch.delenv("LGADMIN_ENV", raising=False)
    monkeypatch.delenv("LGADMIN_TRUSTED_HOSTS", raising=False)
    assert settings_from_environment(str(tmp_path))["TRUSTED_HOSTS"] == LOCAL_HOSTS
    monkeypatch.setenv("LGADMIN_TRUSTED_HOSTS", " Shop.example.org, .example.net ,")
    assert settings_from_environment(str(tmp_path))["TRUSTED_HOSTS"] == [
        "shop.example.org",
        ".example.net",
    ]
    monkeypatch.setenv("LGADMIN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LGADMIN_BASE_URL", "https://shop.example.org/")
    assert settings_from_environment(str(tmp_path))["TRUSTED_HOSTS"] == [
        "shop.example.org",
        ".example.net",
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/sign-in"),
        ("get", "/m/athens/forgot-password"),
        ("post", "/m/athens/forgot-password"),
        ("post", "/m/athens/sign-in/link"),
        ("get", "/admin/"),
        ("get", "/nowhere"),
    ],
)
def test_a_request_for_another_host_is_refused(client, market, mailbox, method, path):
    AccountFactory(market=market, email="sam@example.org")
    response = getattr(client, method)(path, base_url=FORGED, data={"email": "sam@example.org"})
    assert response.status_code == 400
    assert "Host is not trusted" in response.get_data(as_text=True)
    assert mailbox.messages() == []


def test_a_signed_in_admin_on_another_host_gets_a_400_not_an_error(signed_in, market):
    client = signed_in(AccountFactory(market=market, manager=True))
    assert client.get("/admin/customers/", base_url=FORGED).status_code == 400
    assert client.get("/admin/customers/").status_code == 200


def test_a_reset_link_asked_for_on_a_trusted_host_points_at_it(app, market, mailbox):
    AccountFactory(market=market, email="sam@example.org")
    client = app.test_client()
    page = client.get("/m/athens/forgot-password", base_url="http://127.0.0.1:5000")
    client.post(
        "/m/athens/forgot-password",
        base_url="http://127.0.0.1:5000",
        data={"email": "sam@example.org", "csrf_token": csrf_token_from(page.get_data(True))},
    )
    (message,) = mailbox.to("sam@example.org")
    assert "http://127.0.0.1:5000/m/athens/reset-password/" in message.get_body().get_content()


def _host_app(tmp_path, **config) -> Flask:
    host = Flask("host_shop")
    host.config.update(
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=DATABASE_URL,
        LGADMIN_OUTBOX=str(tmp_path / "outbox"),
        **config,
    )
    LGAdmin().init_app(host)
    return host


def test_a_host_app_without_a_public_address_keeps_its_hosts_and_lgadmin_answers_only_local_names(
    tmp_path,
):
    host = _host_app(tmp_path)

    @host.route("/host-page")
    def host_page():
        return "the host's page"

    assert host.config.get("TRUSTED_HOSTS") is None  # the host's own rule, untouched
    client = host.test_client()
    assert client.get("/host-page", base_url=FORGED).status_code == 200
    refused = client.get("/lgadmin/m/athens/forgot-password", base_url=FORGED)
    assert refused.status_code == 400
    assert "LGADMIN_BASE_URL" in refused.text
    assert client.get("/lgadmin/healthz").status_code == 200
    public = _host_app(tmp_path, LGADMIN_BASE_URL="https://shop.example.org/")
    assert public.config.get("TRUSTED_HOSTS") is None
    assert public.test_client().get("/lgadmin/healthz", base_url=FORGED).status_code == 200


def ask_for_link(client, email):
    return post_form(client, "/m/athens/sign-in/link", {"email": email}, follow_redirects=True)


@pytest.mark.parametrize("who", ["manager", "staff", "superuser"])
def test_nobody_who_may_enter_the_admin_gets_a_sign_in_link(app, market, mailbox, who):
    if who == "manager":
        account = AccountFactory(market=market, manager=True, email="boss@example.org")
    elif who == "staff":
        account = AccountFactory(
            market=market, staff_role=StaffRole.BOOKKEEPER, email="boss@example.org"
        )
    else:
        account = SuperuserFactory(email="boss@example.org")
    html = ask_for_link(app.test_client(), account.email).get_data(as_text=True)
    assert "If boss@example.org has an account at Athens Locally Grown" in html
    assert mailbox.messages() == []


def test_a_link_sent_before_the_shopper_became_a_manager_no_longer_signs_in(app, market, mailbox):
    shopper = AccountFactory(market=market, email="sam@example.org")
    ask_for_link(app.test_client(), shopper.email)
    path = link_path(mailbox)
    db.session.get(Account, shopper.id).is_manager = True
    db.session.commit()
    client = app.test_client()
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    assert "That sign-in link has expired or was already used." in html
    assert client.get("/admin/").status_code == 302


def test_sign_in_links_are_limited_per_address_and_per_client(app, market):
    AccountFactory(market=market, email="sam@example.org")
    path = "/m/athens/sign-in/link"
    client = app.test_client()
    token = csrf_token_from(client.get(path).get_data(as_text=True))

    def ask(email, remote="192.0.2.1"):
        return client.post(
            path,
            data={"email": email, "csrf_token": token},
            environ_base={"REMOTE_ADDR": remote},
        ).status_code

    assert [ask("sam@example.org") for _ in range(6)] == [302] * 5 + [429]
    assert ask("sam@example.org", remote="192.0.2.2") == 429  # the address, from anywhere
    statuses = [ask(f"guess{n}@example.org", remote="192.0.2.3") for n in range(21)]
    assert statuses == [302] * 20 + [429]
    assert ask("other@example.org", remote="192.0.2.4") == 302

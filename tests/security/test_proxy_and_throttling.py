"""Sign-in throttling behind a proxy: each client counted by its own address, guessing at
someone's address from one client never locks its owner out, and sign-ins that succeed
don't count."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from lgadmin import create_app
from lgadmin.app import trust_proxies
from tests.conftest import DATABASE_URL, csrf_token_from
from tests.factories import PASSWORD, PASSWORD_HASH

PROXY = "10.0.0.1"  # what every request's REMOTE_ADDR is behind the proxy


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """The session's app as gunicorn runs it behind one proxy (LGADMIN_PROXY_HOPS=1)."""
    monkeypatch.setitem(app.config, "LGADMIN_PROXY_HOPS", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    trust_proxies(app)
    return app


def attempt(client, email, password="wrong", client_address="203.0.113.5"):
    """A sign-in POST as it reaches the app through the proxy."""
    environ = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}
    token = csrf_token_from(
        client.get("/m/athens/sign-in", environ_base=environ).get_data(as_text=True)
    )
    return client.post(
        "/m/athens/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    ).status_code


def test_the_proxy_setting_is_read_and_applied(monkeypatch):
    monkeypatch.setenv("LGADMIN_PROXY_HOPS", "2")
    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL}, check_services=False)
    assert isinstance(app.wsgi_app, ProxyFix)
    assert app.wsgi_app.x_for == 2 and app.wsgi_app.x_proto == 2 and app.wsgi_app.x_host == 0
    monkeypatch.setenv("LGADMIN_PROXY_HOPS", "-1")
    with pytest.raises(SystemExit) as stopped:
        create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL}, check_services=False)
    assert str(stopped.value) == "lgadmin: LGADMIN_PROXY_HOPS must be at least 0, not '-1'"


def test_guessing_at_an_address_locks_only_the_guessing_client(behind_a_proxy, manager):
    attacker, owner = behind_a_proxy.test_client(), behind_a_proxy.test_client()
    statuses = [attempt(attacker, manager.email) for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert attempt(attacker, manager.email, PASSWORD) == 429
    # The owner, through the same proxy from their own address, signs in.
    assert attempt(owner, manager.email, PASSWORD, client_address="198.51.100.7") == 302


def test_one_client_spraying_addresses_does_not_lock_out_the_others(
    behind_a_proxy, manager, monkeypatch
):
    # The hash checked for unknown addresses, made cheap as the factories' (speed only).
    monkeypatch.setattr("lgadmin.auth.service._UNKNOWN_ACCOUNT_HASH", PASSWORD_HASH)
    sprayer, colleague = behind_a_proxy.test_client(), behind_a_proxy.test_client()
    statuses = [attempt(sprayer, f"guess{n}@example.org") for n in range(101)]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429
    assert attempt(colleague, manager.email, PASSWORD, client_address="198.51.100.7") == 302


def test_sign_ins_that_succeed_do_not_count(behind_a_proxy, manager):
    office = behind_a_proxy.test_client()
    assert [attempt(office, manager.email, PASSWORD) for _ in range(15)] == [302] * 15
    assert [attempt(office, manager.email) for _ in range(10)] == [200] * 10
    assert attempt(office, manager.email, PASSWORD) == 429

"""Security headers and cookies, session renewal, and the rate limits on every door."""

import re

import pytest

from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD, PASSWORD_HASH, AccountFactory, MarketFactory


def test_every_page_forbids_framing_sniffing_and_foreign_scripts(client):
    MarketFactory(slug="athens")
    for path in ("/sign-in", "/m/athens/sign-in", "/healthz", "/m/athens/", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer")
        assert "Strict-Transport-Security" not in headers


def test_admin_scripts_carry_the_pages_nonce(signed_in):
    client = signed_in(AccountFactory(manager=True))
    response = client.get("/admin/customers/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert not re.search(r"\son(click|submit|load|change)=", html)


def test_production_adds_hsts_and_secure_cookies(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_ENV", "production")
    response = client.get("/sign-in")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    from lgadmin.config import settings_from_environment

    monkeypatch.setenv("LGADMIN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("LGADMIN_BASE_URL", "https://shop.example.org/")
    settings = settings_from_environment(app.instance_path)
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_session_cookie_is_httponly_and_samesite_lax(client):
    manager = AccountFactory(manager=True)
    response = sign_in(client, manager)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_session_changes_at_sign_in_and_sign_out(client):
    manager = AccountFactory(manager=True)
    client.get(f"/m/{manager.market.slug}/sign-in")
    before = client.get_cookie("session").value
    sign_in(client, manager)
    signed = client.get_cookie("session").value
    assert signed != before
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    client.post("/sign-out", data={"csrf_token": token})
    after = client.get_cookie("session")
    assert after is None or after.value != signed


def _post_sign_in(client, path, email, password="wrong"):
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def test_sign_in_attempts_are_limited_per_address(app):
    manager = AccountFactory(manager=True)
    path = f"/m/{manager.market.slug}/sign-in"
    client = app.test_client()
    for _ in range(10):
        assert _post_sign_in(client, path, manager.email).status_code == 200
    blocked = _post_sign_in(client, path, manager.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # another address from the same client is still let in
    other = AccountFactory(manager=True, market=manager.market)
    assert _post_sign_in(client, path, other.email, PASSWORD).status_code == 302


def test_sign_in_attempts_are_limited_per_client(app, monkeypatch):
    # The hash checked for unknown addresses, made cheap as the factories' (speed only).
    monkeypatch.setattr("lgadmin.auth.service._UNKNOWN_ACCOUNT_HASH", PASSWORD_HASH)
    market = MarketFactory()
    path = f"/m/{market.slug}/sign-in"
    client = app.test_client()
    statuses = [
        _post_sign_in(client, path, f"guess{n}@example.org").status_code for n in range(101)
    ]
    assert statuses[:100] == [200] * 100 and statuses[100] == 429


@pytest.mark.parametrize(
    ("path_template", "limit"),
    [("/m/{slug}/forgot-password", 5), ("/m/{slug}/signup", 5)],
)
def test_password_resets_and_signups_are_limited_per_address(app, path_template, limit):
    market = MarketFactory()
    path = path_template.format(slug=market.slug)
    client = app.test_client()
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    statuses = [
        client.post(path, data={"email": "target@example.org", "csrf_token": token}).status_code
        for _ in range(limit + 1)
    ]
    assert 429 not in statuses[:limit] and statuses[limit] == 429


def test_invitations_are_limited_per_manager(signed_in):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    page = client.get("/admin/customers/invitations/").get_data(as_text=True)
    token = csrf_token_from(page)
    statuses = []
    for n in range(21):
        response = client.post(
            "/admin/customers/invitations/",
            data={
                "csrf_token": token,
                "addresses": f"friend{n}@example.org",
                "message": "",
                "submission_key": f"key-{n}",
            },
        )
        statuses.append(response.status_code)
    assert 429 not in statuses[:20] and statuses[20] == 429


def test_text_with_a_nul_character_is_refused_with_a_message_not_stored(signed_in):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
    response = client.post(
        f"/admin/customers/{manager.id}/comments", data={"csrf_token": token, "body": "bad\x00text"}
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    # In a search too (PostgreSQL refuses a NUL in any parameter): a message, not a 500.
    search = client.get("/admin/customers/?search=a%00b")
    assert search.status_code == 400 and "NUL character" in search.get_data(as_text=True)


def test_invitations_drop_nul_characters_before_storing():
    from lgadmin.onboarding.invitations import send_invitations

    manager = AccountFactory(manager=True)
    batch, created = send_invitations(
        manager, manager.market, "pal@example.org\x00", "Hi\x00 there", "key-nul"
    )
    assert created and "\x00" not in (batch.summary or {}).__repr__()


def test_no_template_carries_an_inline_event_handler():
    """The CSP blocks inline handlers: one in a template is a confirmation that never asks."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)
    found = [
        f"{path.relative_to(templates)}: {match.group().strip()}"
        for path in sorted(templates.rglob("*.html"))
        for match in handler.finditer(path.read_text())
    ]
    assert found == []

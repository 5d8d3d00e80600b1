"""Hostile URL arguments on every Flask-Admin list and every export: huge and negative page
numbers, NUL bytes, 10 kB searches and off-site return addresses get a clear 4xx or a
clamped page, never a 500, and change nothing.

The lists and exports are read from the app (every ModelView's list, every endpoint named
export), so a list or an export added later is in the battery without touching this file.
"""

from urllib.parse import quote, urlencode

import pytest
from flask_admin.model import BaseModelView
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.admin.base import SEARCH_TOO_LONG, UNSAFE_RETURN_URL
from lgadmin.audit.models import AuditEntry
from lgadmin.audit.service import record
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db, limiter
from lgadmin.privacy.models import DataRequest, DataRequestKind
from lgadmin.search import MAX_SEARCH_CHARS
from lgadmin.urls import safe_next_url
from tests.conftest import csrf_token_from, sign_in
from tests.factories import PASSWORD, AccountFactory, MarketFactory, SuperuserFactory

# Exports whose endpoint name doesn't say so.
ALSO_EXPORTS = {"lgadmin_customer_privacy.customer_data_view"}
TWENTY_DIGITS = "9" * 20
HUGE_PAGES = ("-1", "-" + TWENTY_DIGITS, TWENTY_DIGITS, "1e400", "¹²")
TEN_KB = "x" * 10_240
TEN_KB_OF_WORDS = "ab " * 3_414
OFF_SITE = (
    "http:evil.example",
    "https:evil.example",
    "//evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "http://evil.example/admin/",
    "javascript:alert(1)",
    " //evil.example",
)


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    market = MarketFactory(name="Athens Locally Grown", slug="athens")
    manager = AccountFactory(market=market, manager=True)
    customer = AccountFactory(market=market, first_name="Robin", email="robin@example.org")
    record(manager, market.id, "customer.seeded", customer, "Seeded Robin")
    db.session.add_all(
        [
            MailEvent(
                provider="mailgun",
                provider_event_id="evt-1",
                kind=MailEventKind.OTHER,
                market_id=market.id,
                raw="{}",
            ),
            DataRequest(market_id=market.id, account_id=customer.id, kind=DataRequestKind.EXPORT),
        ]
    )
    db.session.commit()
    platform = app.test_client()
    assert sign_in(platform, SuperuserFactory()).status_code == 302
    token = csrf_token_from(platform.get("/admin/").get_data(as_text=True))
    platform.post("/admin/switch-market", data={"market_id": market.id, "csrf_token": token})
    manager_client = app.test_client()
    assert sign_in(manager_client, manager).status_code == 302
    return {"customer": customer, "manager": manager_client, "superuser": platform}


def lists_and_exports(app, customer_id: int) -> list[str]:
    """Every Flask-Admin list, and every export (Flask-Admin's own, switched off, included)."""
    views = [view for admin in app.extensions["admin"] for view in admin._views]
    paths = []
    for rule in app.url_map.iter_rules():
        view_name, _, method = rule.endpoint.partition(".")
        view = next((v for v in views if v.endpoint == view_name), None)
        is_list = method == "index_view" and isinstance(view, BaseModelView)
        is_export = "export" in method or rule.endpoint in ALSO_EXPORTS
        if view is None or not (is_list or is_export):
            continue
        if "export_id" in rule.arguments:  # one export job's pages: no list arguments
            continue
        values = {"fmt": "csv", "export_type": "csv", "account_id": customer_id}
        paths.append(rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1])
    return sorted(paths)


def _get(world, path: str, **args):
    """As the manager; as the superuser where only platform staff may go."""
    url = f"{path}?{urlencode(args)}" if args else path
    response = world["manager"].get(url)
    if response.status_code == 403:
        response = world["superuser"].get(url)
    return response


def test_the_battery_covers_every_list_and_export(app, world):
    paths = lists_and_exports(app, world["customer"].id)
    for expected in (
        "/admin/customers/",
        "/admin/audit-log/",
        "/admin/mail-events/",
        "/admin/act-as-log/",
        "/admin/data-requests/",
        "/admin/customers/export/csv",
        "/admin/customers/export.csv",
        "/admin/act-as-log/export.csv",
        f"/admin/customers/{world['customer'].id}/data.zip",
    ):
        assert expected in paths


@pytest.mark.parametrize("page", HUGE_PAGES)
def test_negative_and_huge_page_numbers_give_a_page_never_a_500(app, world, page):
    for path in lists_and_exports(app, world["customer"].id):
        for args in ({"page": page}, {"page_size": page}, {"page": page, "page_size": page}):
            response = _get(world, path, **args)
            assert response.status_code in (200, 302), (path, args, response.status_code)


def test_a_page_past_the_end_is_an_empty_page_of_the_list(world):
    html = _get(world, "/admin/audit-log/", page=TWENTY_DIGITS).get_data(as_text=True)
    assert "Seeded Robin" not in html
    html = _get(world, "/admin/audit-log/", page="-5").get_data(as_text=True)
    assert "Seeded Robin" in html  # the first page


@pytest.mark.parametrize("search", ["\x00", "robin\x00", TEN_KB, TEN_KB_OF_WORDS])
def test_a_nul_byte_or_a_10_kb_search_is_refused_with_a_message(app, world, search):
    for path in lists_and_exports(app, world["customer"].id):
        response = _get(world, path, search=search)
        assert response.status_code == 400, (path, response.status_code)
        text = response.get_data(as_text=True)
        assert SEARCH_TOO_LONG in text or "NUL character" in text, path


@pytest.mark.parametrize("name", ["flt0_0", "sort", "desc", "type", "status", "segment"])
def test_a_nul_byte_in_any_list_argument_is_refused(world, name):
    for path in ("/admin/customers/", "/admin/audit-log/", "/admin/mail-events/"):
        response = _get(world, path, **{name: "a\x00b"})
        assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_a_search_at_the_limit_is_capped_in_words_not_refused(world):
    words = " ".join(["robin"] * 8 + ["nobody-matches-this"] * 5)  # past the 8-word cap
    assert len(words) <= MAX_SEARCH_CHARS
    for path in ("/admin/customers/", "/admin/audit-log/"):
        response = _get(world, path, search=words)
        assert response.status_code == 200, path
        assert "Robin" in response.get_data(as_text=True), path  # the extra words are dropped


# -- return addresses -------------------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_safe_url_check_refuses_every_off_site_form(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize("target", ["/admin/customers/", "/admin/customers/?search=a%20b&page=2"])
def test_the_safe_url_check_keeps_paths_of_this_site(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_flask_admins_url_argument_never_sends_anyone_off_site(world, target):
    customer = world["customer"]
    client = world["manager"]
    details = client.get(f"/admin/customers/details/?id={customer.id}&url={quote(target)}")
    assert details.status_code == 400
    assert UNSAFE_RETURN_URL in details.get_data(as_text=True)
    token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
    response = client.post(
        "/admin/customers/action/",
        data={"csrf_token": token, "action": "mailings_off", "rowid": customer.id, "url": target},
    )
    assert response.status_code == 400, response.headers.get("Location")
    db.session.expire_all()
    assert db.session.get(Account, customer.id).receives_mailings  # nothing changed
    assert (
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "customer.bulk_mailings_off")
        ).all()
        == []
    )


def test_a_return_address_on_this_site_still_works(world):
    customer, client = world["customer"], world["manager"]
    token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
    back = "/admin/customers/?search=robin"
    response = client.post(
        "/admin/customers/action/",
        data={"csrf_token": token, "action": "mailings_off", "rowid": customer.id, "url": back},
    )
    assert response.status_code == 302 and response.headers["Location"] == back


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_after_signing_in_never_leaves_the_site(app, target):
    manager = AccountFactory(manager=True)
    client = app.test_client()
    path = f"/m/{manager.market.slug}/sign-in?next={quote(target)}"
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    response = client.post(
        path, data={"email": manager.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/"), response.headers["Location"]
    assert "evil" not in response.headers["Location"]

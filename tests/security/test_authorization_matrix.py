"""Every endpoint of the app, with every method, as every role, on ids of both markets.

The endpoints come from the app's URL map, so a new one cannot escape: an endpoint this
file does not classify fails the test. Each cell's answer is one of: allowed (the view ran),
signin (sent to sign in), 403, 404, refused (a webhook without its signature).

The one role matrix: each cell's expectation is derived from what the code declares (each
screen's required_permission and each method's @requires); the staff roles' screens and
actions of spec 002 (ROLE_TABLE, by URL) pin those declarations independently, so a cell of
the table whose declared permission drifts from the spec fails too.
"""

import json
import os
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import update

from lgadmin.accounts.models import Account
from lgadmin.act_as.models import ActAsSession
from lgadmin.addresses.models import Address
from lgadmin.audit.service import record
from lgadmin.balance.models import LedgerEntry
from lgadmin.campaigns.models import Campaign
from lgadmin.customers.models import CustomerExport, ExportStatus
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db, limiter
from lgadmin.groups.models import CustomerGroup
from lgadmin.mail import build_message, write_to_outbox
from lgadmin.onboarding.models import ImportPreview, InvitationBatch
from lgadmin.orders.models import PaymentChoice
from lgadmin.orders.service import place_order
from lgadmin.privacy.models import DataRequest, DataRequestKind
from lgadmin.segments.models import Segment
from lgadmin.staff.roles import (
    ADJUST_BALANCE,
    ADJUST_LOYALTY,
    ALL_PERMISSIONS,
    ROLE_PERMISSIONS,
    VIEW_CUSTOMERS,
    StaffRole,
)
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    MarketFactory,
    ProductFactory,
    SuperuserFactory,
)

# Staff roles (issue 11) enter the admin with only their role template's permissions.
STAFF_ROLES = {role.value: ROLE_PERMISSIONS[role] for role in StaffRole}
ROLES = (
    "anonymous",
    "shopper",
    "volunteer",
    "grower",
    *STAFF_ROLES,
    "manager",
    "other_manager",
    "superuser",
)
ADMIN_VIEWS = (
    "lgadmin_admin",
    "lgadmin_customers",
    # The customer screen's parts, one view per domain under /admin/customers.
    "lgadmin_customer_account",
    "lgadmin_customer_timeline",
    "lgadmin_customer_metrics",
    "lgadmin_customer_balance",
    "lgadmin_customer_membership",
    "lgadmin_customer_loyalty",
    "lgadmin_customer_addresses",
    "lgadmin_customer_group_tax",
    "lgadmin_customer_act_as",
    "lgadmin_customer_merge",
    "lgadmin_customer_privacy",
    "lgadmin_add_customers",
    "lgadmin_customer_reset_link",
    "lgadmin_audit_log",
    "lgadmin_act_as_log",
    "lgadmin_mail_events",
    "lgadmin_payments",
    "lgadmin_segments",
    "lgadmin_campaigns",
    "lgadmin_customer_groups",
    "lgadmin_market_settings",
    "lgadmin_data_requests",
)
PUBLIC = {
    "lgadmin_auth.sign_in",
    "lgadmin_shop_sign_in.market_sign_in",
    "lgadmin_health.healthz",
    "lgadmin_health.queue_health",
    "static",
    "lgadmin.static",
    "lgadmin_admin.static",
    "lgadmin_shop.home",
    "lgadmin_onboarding.signup",
    "lgadmin_onboarding.forgot_password",
    "lgadmin_onboarding.set_password",
    "lgadmin_onboarding.reset_password",
    "lgadmin_onboarding.confirm_email",
}
SHOPPER_PAGES = {
    "lgadmin_shop.account",
    "lgadmin_shop.cart",
    "lgadmin_shop.orders",
    "lgadmin_shop.place",
    "lgadmin_cards.card_setup",
    "lgadmin_cards.card_saved",
    "lgadmin_shop_addresses.add_address",
    "lgadmin_shop_addresses.vat_id",
    "lgadmin_shop_privacy.request_copy",
    "lgadmin_shop_privacy.request_erasure",
    "lgadmin_shop_privacy.download_copy",
}
# Another customer's saved address: nobody but its owner (none of the roles here) reaches it.
OWNER_ONLY = {"lgadmin_shop_addresses.edit_address", "lgadmin_shop_addresses.remove_address"}
WEBHOOKS = {"lgadmin_mail_webhooks.mail_webhook", "lgadmin_stripe.stripe_webhook"}
SUPERUSER_ONLY = {
    "lgadmin_outbox.index",
    "lgadmin_outbox.message",
    "lgadmin_outbox.retry",
    "lgadmin_admin.switch_market_view",
    "lgadmin_act_as_log.export_view",
}
# Each row is answered by a bogus token: nobody gets past it. The sign-in link is also off in
# these markets (it is a per-market setting), which answers 404 too.
BOGUS_TOKEN = {
    "lgadmin_unsubscribe.unsubscribe",
    "lgadmin_shop_sign_in.request_sign_in_link",
    "lgadmin_shop_sign_in.use_sign_in_link",
}
# Only meaningful inside an act-as session, which no role here is in.
NOT_ACTING = {"lgadmin_act_as.end_session"}
# The card calls of the account page's script answer JSON: 404 for anyone not signed in there.
SHOPPER_API = {"lgadmin_cards.card_setup", "lgadmin_cards.card_saved"}
# State-changing admin endpoints that need no permission beyond their screen's: Flask-Admin's
# stock create, edit and delete, switched off (can_create etc.) on the views that have them, and
# its action endpoint, whose bulk actions each check their own permission (is_action_allowed).
SCREEN_PERMISSION_ENOUGH = {
    "lgadmin_customers.action_view",
    "lgadmin_customers.create_view",
    "lgadmin_customers.edit_view",
    "lgadmin_customers.delete_view",
    "lgadmin_audit_log.create_view",
    "lgadmin_audit_log.edit_view",
    "lgadmin_audit_log.delete_view",
    "lgadmin_act_as_log.create_view",
    "lgadmin_act_as_log.edit_view",
    "lgadmin_act_as_log.delete_view",
    "lgadmin_mail_events.create_view",
    "lgadmin_mail_events.edit_view",
    "lgadmin_mail_events.delete_view",
}
# Flask-Admin's ajax endpoints: no view here declares ajax models, so they are 404 to all.
UNAVAILABLE_SUFFIXES = (".ajax_lookup", ".ajax_update")
# Flask-Admin's own endpoints of a list screen: the screen's required_permission is theirs.
# Every other admin endpoint declares its own (@requires or @requires_superuser).
FLASK_ADMIN_ENDPOINTS = {
    "index_view",
    "details_view",
    "create_view",
    "edit_view",
    "delete_view",
    "action_view",
    "export",
    "ajax_lookup",
    "ajax_update",
}
ID_ARGUMENTS = (
    "account_id",
    "entry_id",
    "order_id",
    "preview_id",
    "batch_id",
    "segment_id",
    "campaign_id",
    "group_id",
    "address_id",
    "export_id",
)
# Spec 002, by URL: (method, path with {id} for a customer of the market, the permission it
# needs). The manager and each staff role are checked against it in the matrix's own market.
ROLE_TABLE_ROLES = ("manager", *(role.value for role in StaffRole))
SCREENS = [
    ("GET", "/admin/", None),
    ("GET", "/admin/customers/", "view_customers"),
    ("GET", "/admin/customers/details/?id={id}", "view_customers"),
    ("GET", "/admin/customers/{id}/history", "view_customers"),
    ("GET", "/admin/customers/{id}/loyalty/history", "view_customers"),
    ("GET", "/admin/customers/export.csv", "export_customers"),
    ("GET", "/admin/customers/exports/", "export_customers"),
    ("GET", "/admin/customers/add", "add_customers"),
    ("GET", "/admin/customers/add-window", "add_customers"),
    ("GET", "/admin/customers/import/", "add_customers"),
    ("GET", "/admin/customers/import/template.csv", "add_customers"),
    ("GET", "/admin/customers/invitations/", "add_customers"),
    ("GET", "/admin/customers/{id}/act-as", "act_as"),
    ("GET", "/admin/audit-log/", "view_audit_log"),
    ("GET", "/admin/act-as-log/", "view_act_as_log"),
    ("GET", "/admin/mail-events/", "view_mail_events"),
    ("GET", "/admin/customer-groups/", "manage_groups"),
    ("GET", "/admin/market-settings/", "market_settings"),
    ("GET", "/admin/segments/", "manage_segments"),
    ("GET", "/admin/segments/new", "manage_segments"),
    ("GET", "/admin/campaigns/", "send_campaigns"),
    ("GET", "/admin/campaigns/new", "send_campaigns"),
    ("GET", "/admin/customers/{id}/data.zip", "export_customer_data"),
    ("GET", "/admin/data-requests/", "export_customer_data"),
    ("GET", "/admin/customers/duplicates/", "merge_customers"),
    ("GET", "/admin/customers/{id}/merge", "merge_customers"),
]
ACTIONS = [
    ("POST", "/admin/customers/{id}/adjust-balance", "adjust_balance"),
    ("POST", "/admin/customers/{id}/loyalty", "adjust_loyalty"),
    ("POST", "/admin/customers/{id}/loyalty/enroll", "adjust_loyalty"),
    ("POST", "/admin/customers/bonus-points", "bonus_points"),
    ("POST", "/admin/customers/{id}/comments", "add_comment"),
    ("POST", "/admin/customers/{id}/edit-info", "edit_info"),
    ("POST", "/admin/customers/{id}/group-tax", "edit_info"),
    ("POST", "/admin/customers/{id}/special-info", "edit_special_info"),
    ("POST", "/admin/customers/{id}/membership", "update_membership"),
    ("POST", "/admin/customers/{id}/addresses", "manage_addresses"),
    ("POST", "/admin/customers/{id}/invite-guest", "invite_guest"),
    ("POST", "/admin/customers/{id}/delete-account", "delete_account"),
    ("POST", "/admin/customers/{id}/send-reset-link", "send_password_reset"),
    ("POST", "/admin/customers/{id}/act-as", "act_as"),
    ("POST", "/admin/customers/add", "add_customers"),
    ("POST", "/admin/customers/invitations/", "add_customers"),
    ("POST", "/admin/payments/refresh/{id}", "refresh_payments"),
    ("POST", "/admin/customer-groups/add", "manage_groups"),
    ("POST", "/admin/market-settings/", "market_settings"),
    ("POST", "/admin/customers/{id}/erase", "erase_customers"),
    ("POST", "/admin/customers/{id}/merge", "merge_customers"),
    ("POST", "/admin/customers/bulk/email", "send_campaigns"),
    ("POST", "/admin/customers/metrics/refresh", "refresh_figures"),
]
ROLE_TABLE = SCREENS + ACTIONS
QUERY_ID_MODEL = {
    "lgadmin_customers": "account",
    "lgadmin_audit_log": "audit",
    "lgadmin_act_as_log": "act_as",
    "lgadmin_mail_events": "mail_event",
    "lgadmin_data_requests": "data_request",
}


@dataclass
class MarketData:
    slug: str
    market_id: int
    ids: dict


def _market_data(name: str) -> tuple[MarketData, dict]:
    # Loyalty on, so its endpoints run as the staff roles' table knows them.
    market = MarketFactory(name=name, slug=name.lower(), loyalty_enabled=True)
    people = {
        "manager": AccountFactory(market=market, manager=True),
        "shopper": AccountFactory(market=market),
        "volunteer": AccountFactory(market=market, is_volunteer=True),
        "grower": GrowerFactory(account__market=market).account,
        **{role: AccountFactory(market=market, staff_role=StaffRole(role)) for role in STAFF_ROLES},
    }
    customer = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market)
    order = place_order(customer, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.flush()
    entry = db.session.query(LedgerEntry).filter_by(account_id=customer.id).one()
    audit = record(people["manager"], market.id, "matrix.seed", customer, "seed")
    act_as = ActAsSession(
        market_id=market.id,
        manager_id=people["manager"].id,
        shopper_id=customer.id,
        expires_at=utcnow(),
        ended_at=utcnow(),
    )
    event = MailEvent(
        provider="mailgun",
        provider_event_id=f"evt-{name}",
        kind=MailEventKind.OTHER,
        market_id=market.id,
        raw="{}",
    )
    preview = ImportPreview(market_id=market.id)
    batch = InvitationBatch(market_id=market.id, submission_key=f"key-{name}")
    segment = Segment(market_id=market.id, name=f"Regulars of {name}", criteria={})
    campaign = Campaign(
        market_id=market.id, segment_name=segment.name, subject="News", message="Hello"
    )
    group = CustomerGroup(market_id=market.id, name=f"Wholesale {name}")
    address = Address(
        market_id=market.id,
        account_id=customer.id,
        line1="1 Main St",
        city="Athens",
        postal_code="30601",
    )
    data_request = DataRequest(
        market_id=market.id, account_id=customer.id, kind=DataRequestKind.EXPORT
    )
    export = CustomerExport(
        market_id=market.id,
        requested_by_id=people["manager"].id,
        kind="grid",
        format="csv",
        what="the customer grid",
        filename="customers.csv",
        params={},
        fingerprint=f"matrix-{name}",
        status=ExportStatus.DONE,
        stored_name=f"matrix-{name}.csv",
        expires_at=utcnow() + timedelta(days=1),
    )
    db.session.add_all(
        [act_as, event, preview, batch, segment, campaign, group, address, data_request, export]
    )
    db.session.commit()
    exports = Path(current_app.config["LGADMIN_EXPORT_DIR"])
    exports.mkdir(parents=True, exist_ok=True)
    (exports / export.stored_name).write_text("first name\r\n")
    with current_app.test_request_context():
        sent = write_to_outbox(
            Path(current_app.config["LGADMIN_OUTBOX"]),
            build_message(customer.email, "Matrix", "In the outbox."),
        )
    ids = {
        "outbox_file": sent.name,
        "account": customer.id,
        "account_id": customer.id,
        "entry_id": entry.id,
        "order_id": order.id,
        "preview_id": preview.id,
        "batch_id": batch.id,
        "audit": audit.id,
        "act_as": act_as.id,
        "mail_event": event.id,
        "segment_id": segment.id,
        "group_id": group.id,
        "address_id": address.id,
        "campaign_id": campaign.id,
        "data_request": data_request.id,
        "export_id": export.id,
    }
    return MarketData(market.slug, market.id, ids), people


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", False)
    own, own_people = _market_data("Own")
    other, other_people = _market_data("Other")
    accounts = dict(own_people, other_manager=other_people["manager"], superuser=SuperuserFactory())
    clients = {}
    for role in ROLES:
        client = app.test_client()
        if role == "anonymous":
            client.get("/sign-in")
        else:
            assert sign_in(client, accounts[role]).status_code == 302
        if role == "superuser":
            token = csrf_token_from(client.get("/admin/").get_data(as_text=True))
            own_market_id = accounts["manager"].market_id
            client.post(
                "/admin/switch-market", data={"market_id": own_market_id, "csrf_token": token}
            )
        page = client.get("/sign-in" if role == "anonymous" else "/healthz")
        token_page = client.get("/sign-in").get_data(as_text=True)
        clients[role] = (client, client.get_cookie("session").value, csrf_token_from(token_page))
        assert page.status_code in (200, 302)
    return {
        "own": own,
        "other": other,
        "clients": clients,
        "markets": {"own": accounts["manager"].market_id},
    }


def _restorer(model, key: str, **defaults):
    """Deleting endpoints really delete: put the seeded row of each market back after a cell."""

    def restore(world) -> None:
        db.session.expire_all()
        for variant in ("own", "other"):
            data = world[variant]
            if db.session.get(model, data.ids[key]) is None:
                extra = {"account_id": data.ids["account_id"]} if model is Address else {}
                db.session.add(
                    model(id=data.ids[key], market_id=data.market_id, **extra, **defaults)
                )
        db.session.commit()

    return restore


def _sessions_back(world) -> None:
    """Signing out ends every session of the account: let the roles' cookies work again."""
    db.session.execute(update(Account).values(session_version=0))
    db.session.commit()


RESTORE_AFTER = {
    "lgadmin_auth.sign_out": _sessions_back,
    "lgadmin_segments.delete_view": _restorer(Segment, "segment_id", name="Restored", criteria={}),
    "lgadmin_customer_groups.delete": _restorer(CustomerGroup, "group_id", name="Restored"),
    "lgadmin_customer_addresses.delete_address_view": _restorer(
        Address, "address_id", line1="1 Main St", city="Athens", postal_code="30601"
    ),
}


def _classify(endpoint: str) -> str:
    if endpoint in PUBLIC:
        return "public"
    if endpoint in SHOPPER_API:
        return "shopper_api"
    if endpoint in OWNER_ONLY:
        return "owner_only"
    if endpoint in SHOPPER_PAGES:
        return "shopper"
    if endpoint in WEBHOOKS:
        return "webhook"
    if endpoint in SUPERUSER_ONLY:
        return "superuser"
    if endpoint in BOGUS_TOKEN:
        return "bogus_token"
    if endpoint in NOT_ACTING:
        return "not_acting"
    if endpoint == "lgadmin_auth.sign_out":
        return "sign_out"
    if endpoint.split(".")[0] in ADMIN_VIEWS:
        return "unavailable" if endpoint.endswith(UNAVAILABLE_SUFFIXES) else "admin"
    return "unclassified"


def _takes_ids(rule) -> bool:
    return (
        bool(set(rule.arguments) & set(ID_ARGUMENTS))
        or rule.endpoint.endswith("details_view")
        or "market_slug" in rule.arguments
    )


def _url(rule, data: MarketData) -> str:
    values = {}
    for argument in rule.arguments:
        if argument in ID_ARGUMENTS:
            values[argument] = data.ids[argument]
        elif argument == "market_slug":
            values[argument] = data.slug
        else:
            values[argument] = {
                "filename": "lgadmin.css",
                "token": "bogus-token",
                "provider": "mailgun",
                "export_type": "csv",
                "fmt": "csv",
                "row_id": 1,  # an Outbox row: the Outbox is not per market
            }[argument]
    if rule.endpoint == "lgadmin_outbox.message":
        values["filename"] = data.ids["outbox_file"]
    if rule.endpoint == "lgadmin_admin.static":
        values["filename"] = "admin/css/bootstrap4/admin.css"
    url = rule.build(values, append_unknown=False)[1]
    view = rule.endpoint.split(".")[0]
    if rule.endpoint.endswith("details_view") and view in QUERY_ID_MODEL:
        url += f"?id={data.ids[QUERY_ID_MODEL[view]]}"
    return url


def _answer(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "sign-in" in location:
        return "signin"
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code in (400, 401, 503) and response.request.path.startswith("/webhooks"):
        return "refused"
    return "allowed"


def _admin_views(app) -> dict:
    return {view.endpoint: view for admin in app.extensions["admin"] for view in admin._views}


def _declares_nothing(app, endpoint: str) -> bool:
    """An admin endpoint whose method declares no permission, and that is not one of
    Flask-Admin's own endpoints of a screen that declares one."""
    view_name, _, method = endpoint.partition(".")
    view = _admin_views(app).get(view_name)
    if view is None or method == "static":
        return False
    if getattr(getattr(view, method, None), "required_permission", None):
        return False
    return not (method in FLASK_ADMIN_ENDPOINTS and getattr(view, "required_permission", None))


def _permissions_needed(app, endpoint: str) -> tuple[frozenset, frozenset]:
    """What the code declares an admin endpoint needs: (its screen's, its screen's and method's).

    The screen's is the view's required_permission; the method's is what @requires declares."""
    view_name, _, method = endpoint.partition(".")
    view = _admin_views(app).get(view_name)
    screen = frozenset({getattr(view, "required_permission", None)} - {None})
    declared = getattr(getattr(view, method, None), "required_permission", None)
    return screen, screen | ({declared} - {None})


def _role_permissions(role: str) -> frozenset:
    if role in ("manager", "other_manager", "superuser"):
        return ALL_PERMISSIONS
    return STAFF_ROLES.get(role, frozenset())


def _expected(
    kind: str, role: str, ids_market: str | None, needed=(frozenset(), frozenset())
) -> str:
    """ids_market: whose ids the URL carries; None when it carries none (a list, a form).
    needed: the permissions of the endpoint's screen, and of the screen and method together."""
    role_market = {"anonymous": None, "superuser": "own", "other_manager": "other"}.get(role, "own")
    ids_market = ids_market or role_market
    is_admin = bool(_role_permissions(role))
    screen_needs, endpoint_needs = needed
    if kind == "public":
        return "allowed"
    if kind == "webhook":
        return "refused"
    if kind in ("bogus_token", "not_acting"):
        return "404"
    if kind == "sign_out":
        return "signin"
    if kind == "owner_only":
        return "signin" if role == "anonymous" else "404"
    if kind in ("shopper", "shopper_api"):
        if role == "anonymous":
            return "signin" if kind == "shopper" else "404"
        return "allowed" if role != "superuser" and role_market == ids_market else "404"
    if role == "anonymous":
        return "signin"
    if kind == "superuser":
        return "allowed" if role == "superuser" else "403"
    if not is_admin:
        return "403"
    if not screen_needs <= _role_permissions(role):
        return "403"
    if kind == "unavailable":
        return "404"
    if not endpoint_needs <= _role_permissions(role):
        return "403"
    return "allowed" if role_market == ids_market else "404"


def _role_table(world) -> dict:
    """(method, URL in the own market) -> the permission spec 002 says it needs."""
    own_customer = world["own"].ids["account"]
    return {(m, path.format(id=own_customer)): needs for m, path, needs in ROLE_TABLE}


def _by_role_table(role: str, permission: str | None) -> str:
    if permission is None or role == "manager":
        return "allowed"
    return "allowed" if permission in STAFF_ROLES[role] else "403"


def test_every_permission_has_a_screen_or_action_in_the_role_table():
    covered = {permission for _, _, permission in ROLE_TABLE if permission}
    assert covered == ALL_PERMISSIONS


def test_every_endpoint_answers_every_role_as_expected(app, world):
    rules = [r for r in app.url_map.iter_rules()]
    unexpected, undeclared, cells = [], [], Counter()
    role_table, by_table = _role_table(world), set()
    for rule in rules:
        kind = _classify(rule.endpoint)
        assert kind != "unclassified", f"classify {rule.endpoint} in the authorisation matrix"
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        needed = _permissions_needed(app, rule.endpoint)
        changes_data = kind == "admin" and set(methods) - {"GET"}
        guarded = needed[1] - {VIEW_CUSTOMERS} or rule.endpoint in SCREEN_PERMISSION_ENOUGH
        if (changes_data and not guarded) or _declares_nothing(app, rule.endpoint):
            undeclared.append(rule.endpoint)
        variants = ("own", "other") if _takes_ids(rule) else ("own",)
        for method in methods:
            for role in ROLES:
                client, cookie, token = world["clients"][role]
                for variant in variants:
                    client.set_cookie("session", cookie)
                    url = _url(rule, world[variant])
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.open(url, method=method, data={"csrf_token": token})
                    if rule.endpoint in RESTORE_AFTER:
                        RESTORE_AFTER[rule.endpoint](world)
                    got = _answer(response)
                    ids_market = variant if _takes_ids(rule) else None
                    expected = _expected(kind, role, ids_market, needed)
                    cells[(got == expected, got)] += 1
                    in_table = (method, url) in role_table and variant == "own"
                    if in_table and role in ROLE_TABLE_ROLES:
                        spec = role_table[(method, url)]
                        by_table.add((method, url, role))
                        wanted = _by_role_table(role, spec)
                        ran = response.status_code in (200, 302, 400)
                        if got != wanted or (wanted == "allowed" and not ran):
                            unexpected.append(
                                f"{method} {url} as {role}: {response.status_code} "
                                f"(the role table says {wanted}, needing {spec})"
                            )
                    if got != expected:
                        unexpected.append(
                            f"{method} {url} as {role}: {got} "
                            f"(expected {expected}, {response.status_code})"
                        )
    _report(cells, len(rules), len(by_table))
    missing = {
        (method, url, role) for method, url in role_table for role in ROLE_TABLE_ROLES
    } - by_table
    assert not missing, f"rows of the role table no endpoint of the matrix answered: {missing}"
    assert not undeclared, (
        "declare the staff permission of each (@requires; one that changes data needs more "
        f"than {VIEW_CUSTOMERS}): {undeclared}"
    )
    assert not unexpected, "\n".join(unexpected)


def _report(cells: Counter, endpoints: int, by_role_table: int) -> None:
    """Figures for docs/security.md (make security-report writes them)."""
    target = os.environ.get("LGADMIN_SECURITY_REPORT")
    if not target:
        return
    totals = Counter()
    for (_, answer), count in cells.items():
        totals[answer] += count
    figures = {
        "endpoints": endpoints,
        "roles": len(ROLES),
        "cells": sum(cells.values()),
        "as_expected": sum(c for (ok, _), c in cells.items() if ok),
        "answers": dict(sorted(totals.items())),
        "by_role_table": by_role_table,
    }
    merge_report(target, {"matrix": figures})


def merge_report(target: str, figures: dict) -> None:
    path = Path(target)
    report = json.loads(path.read_text()) if path.exists() else {}
    report.update(figures)
    path.write_text(json.dumps(report, indent=2))


# In a customer's seat (act-as): every admin endpoint, and every way to sign in, is refused,
# whatever the seat's account may do outside it (issue 19: act-as is for shoppers only).
SIGN_IN_ENDPOINTS = {
    "lgadmin_auth.sign_in",
    "lgadmin_shop_sign_in.market_sign_in",
    "lgadmin_shop_sign_in.request_sign_in_link",
    "lgadmin_shop_sign_in.use_sign_in_link",
}


@pytest.fixture
def seat(app, monkeypatch, signed_in):
    """A manager in a customer's seat; the customer was then made a market manager."""
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setitem(app.config, "LGADMIN_ACT_AS_MINUTES", 600)
    monkeypatch.setitem(app.config, "LGADMIN_ACT_AS_IDLE_MINUTES", 600)
    own, people = _market_data("Own")
    client = signed_in(people["manager"])
    shopper = people["shopper"]
    token = csrf_token_from(client.get(f"/admin/customers/{shopper.id}/act-as").get_data(True))
    started = client.post(f"/admin/customers/{shopper.id}/act-as", data={"csrf_token": token})
    assert started.status_code == 302
    shopper.is_manager = True  # promoted meanwhile: the seat still reaches no admin page
    db.session.commit()
    page = client.get(f"/m/{own.slug}/account").get_data(as_text=True)
    assert "Acting as" in page
    return client, csrf_token_from(page), own


def test_in_a_customers_seat_every_admin_and_sign_in_endpoint_is_refused(app, seat):
    client, token, own = seat
    checked, unexpected = Counter(), []
    for rule in app.url_map.iter_rules():
        kind = _classify(rule.endpoint)
        admin = kind in ("admin", "superuser", "unavailable")
        if not admin and rule.endpoint not in SIGN_IN_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            url = _url(rule, own)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            checked["admin" if admin else "sign_in"] += 1
            if response.status_code != 403:
                unexpected.append(f"{method} {url}: {response.status_code}")
    assert not unexpected, "\n".join(unexpected)
    assert checked["admin"] >= 100 and checked["sign_in"] == 8
    assert db.session.query(ActAsSession).filter(ActAsSession.ended_at.is_(None)).count() == 1


# -- segregation of duties: nobody changes their own balance or points ------------------------
OWN_ADJUSTMENTS = {
    "adjust-balance": ({"amount": "50", "reason": "cash"}, ADJUST_BALANCE),
    "loyalty": ({"action": "add", "points": "50", "reason": "For me"}, ADJUST_LOYALTY),
}


def _balance_and_points(account_id: int) -> tuple[int, int | None]:
    db.session.expire_all()
    account = db.session.get(Account, account_id)
    return account.balance_cents, account.loyalty_points


def test_nobody_adjusts_their_own_balance_or_points_but_another_manager_or_a_superuser_can(
    app, signed_in, monkeypatch
):
    monkeypatch.setattr(limiter, "enabled", False)
    market = MarketFactory(loyalty_enabled=True)
    people = {
        **{
            role: AccountFactory(market=market, staff_role=StaffRole(role), loyalty_points=0)
            for role in STAFF_ROLES
        },
        "manager": AccountFactory(market=market, manager=True, loyalty_points=0),
        "second_manager": AccountFactory(market=market, manager=True, loyalty_points=0),
    }
    platform = app.test_client()
    assert sign_in(platform, SuperuserFactory()).status_code == 302
    token = csrf_token_from(platform.get("/admin/").get_data(as_text=True))
    platform.post("/admin/switch-market", data={"market_id": market.id, "csrf_token": token})
    clients = {role: signed_in(account) for role, account in people.items()}
    clients["superuser"] = platform

    def adjust(role: str, target: str, what: str):
        client = clients[role]
        token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
        form, _ = OWN_ADJUSTMENTS[what]
        path = f"/admin/customers/{people[target].id}/{what}"
        return client.post(path, data={"csrf_token": token, **form})

    cells = Counter()
    for role, account in people.items():
        for what, (_, permission) in OWN_ADJUSTMENTS.items():
            before = _balance_and_points(account.id)
            response = adjust(role, role, what)
            if permission not in _role_permissions(role if role in STAFF_ROLES else "manager"):
                assert response.status_code == 403, (role, what)
            else:
                assert response.status_code == 400, (role, what, response.status_code)
                assert "You can&#39;t adjust your own" in response.get_data(as_text=True)
            assert _balance_and_points(account.id) == before, (role, what)
            cells[response.status_code] += 1

    # Someone else may: another manager, the bookkeeper (it holds both permissions), a superuser.
    for role in ("second_manager", "bookkeeper", "superuser"):
        for what in OWN_ADJUSTMENTS:
            before = _balance_and_points(people["manager"].id)
            assert adjust(role, "manager", what).status_code == 302, (role, what)
            assert _balance_and_points(people["manager"].id) != before
            cells["allowed"] += 1
    target = os.environ.get("LGADMIN_SECURITY_REPORT")
    if target:
        merge_report(target, {"segregation": {str(k): v for k, v in cells.items()}})


def test_bonus_points_to_a_search_leave_out_the_givers_own_account(signed_in):
    market = MarketFactory(loyalty_enabled=True)
    manager = AccountFactory(market=market, manager=True, loyalty_points=0, last_name="Rivers")
    shopper = AccountFactory(market=market, loyalty_points=0, last_name="Rivers")
    client = signed_in(manager)
    token = csrf_token_from(client.get("/admin/customers/").get_data(as_text=True))
    response = client.post(
        "/admin/customers/bonus-points",
        data={"csrf_token": token, "points": "25", "reason": "Rain day", "search": "Rivers"},
        follow_redirects=True,
    )
    assert "Your own account was left out" in response.get_data(as_text=True)
    assert _balance_and_points(shopper.id)[1] == 25
    assert _balance_and_points(manager.id)[1] == 0

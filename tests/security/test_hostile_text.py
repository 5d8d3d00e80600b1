"""Hostile text: HTML, script and template payloads typed into every input are shown as text.

Each test plants the payloads through the real forms a manager or a shopper
has, then reads every page, email and export that shows them back and checks
that nothing a browser would run or a spreadsheet would evaluate came out.
"""

import csv
import email
import email.policy
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lgadmin.accounts.models import Account
from lgadmin.deliverability.models import MailEvent, MailEventKind
from lgadmin.extensions import db
from lgadmin.onboarding.models import ImportPreview
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from
from tests.factories import (
    AccountFactory,
    GrowerFactory,
    PickupLocationFactory,
    SuperuserFactory,
)
from tests.onboarding.helpers import post_form

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
FORMULA = '=HYPERLINK("x")'
ALL = " ".join((SCRIPT, IMG, JS_URL, TEMPLATE, FORMULA))
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "data", "xlink:href"}


class _Scanner(HTMLParser):
    """Collects what a browser would run: script bodies, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "alert(1)" in value:
                self.found.append(f"<{tag} {name}={value!r}>")
            link = value.strip().lower()
            if name in URL_ATTRIBUTES and link.startswith("javascript:") and "alert(1)" in link:
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(1)" in data:
            self.found.append(f"<script>{data}</script>")


def assert_inert(html: str, where: str) -> None:
    """No payload survives as markup: only its escaped form may be on the page."""
    assert "<script>alert(1)" not in html, where
    assert "<img src=x onerror" not in html, where
    for match in re.finditer(r"onerror=", html):
        before = html[max(match.start() - 24, 0) : match.start()]
        # &lt; on a page; &amp;lt; inside an attribute holding a document (the outbox's srcdoc)
        assert re.search(r"&(amp;)*lt;img src=x $", before), f"{where}: onerror= after {before!r}"
    scanner = _Scanner()
    scanner.feed(html)
    assert scanner.found == [], f"{where}: {scanner.found}"


def page(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    html = response.get_data(as_text=True)
    assert_inert(html, path)
    return html


def assert_spreadsheet_safe(text: str, where: str) -> None:
    """No cell a spreadsheet would run as a formula."""
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{where}: {cell!r}"


@pytest.fixture(autouse=True)
def pickup_locations(market):
    """The market offers pickup locations: Downtown."""
    market.pickup_locations_enabled = True
    PickupLocationFactory(market=market, name="Downtown")
    db.session.commit()


def _outbox_messages(app) -> list:
    folder = Path(app.config["LGADMIN_OUTBOX"])
    return [
        (path, email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
        for path in sorted(folder.glob("*.eml"))
    ]


def _details(account) -> str:
    return f"/admin/customers/details/?id={account.id}"


def test_payloads_typed_by_a_manager_on_the_details_page_show_as_text_everywhere(
    app, manager_client, market, shopper, signed_in
):
    GrowerFactory(account=shopper, name=IMG)  # the grower name is the grid icon's tooltip
    details = _details(shopper)
    edit = {
        "version": shopper.version,
        "first_name": SCRIPT,
        "last_name": IMG,
        "email": shopper.email,
        "phone": "",
        "address_line1": JS_URL,
        "address_line2": FORMULA,
        "city": TEMPLATE,
        "region": SCRIPT,
        "postal_code": TEMPLATE,
        "pickup_location_id": "",
        "manager_comments": ALL,
    }
    saved = post_form(
        manager_client, details, edit, post_path=f"/admin/customers/{shopper.id}/edit-info"
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Account, shopper.id).first_name == SCRIPT  # stored as typed

    comment = {"body": ALL}
    path = f"/admin/customers/{shopper.id}/comments"
    assert post_form(manager_client, details, comment, post_path=path).status_code == 302
    balance = {"amount": "5", "reason": "other", "reason_text": ALL[:200]}
    path = f"/admin/customers/{shopper.id}/adjust-balance"
    assert post_form(manager_client, details, balance, post_path=path).status_code == 302

    html = page(manager_client, details)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert TEMPLATE in html  # shown as typed, not evaluated
    assert 'data-name="&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img' in html
    grid = page(manager_client, "/admin/customers/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in grid
    assert 'title="Also sells as a grower: &#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in grid
    page(manager_client, f"/admin/customers/{shopper.id}/history")
    page(manager_client, f"/admin/customers/{shopper.id}/act-as")
    entry_id = re.search(r"/admin/customers/adjustments/(\d+)", html).group(1)
    page(manager_client, f"/admin/customers/adjustments/{entry_id}")
    audit = page(manager_client, "/admin/audit-log/")
    assert "adjusted by" in audit
    for audit_id in re.findall(r"/admin/audit-log/details/\?id=(\d+)", audit):
        page(manager_client, f"/admin/audit-log/details/?id={audit_id}")
    page(manager_client, "/admin/")

    # A bad save re-displays what was typed, still as text.
    bad = {**edit, "version": shopper.version + 1, "email": IMG}
    response = post_form(
        manager_client, details, bad, post_path=f"/admin/customers/{shopper.id}/edit-info"
    )
    assert response.status_code in (400, 409)
    assert_inert(response.get_data(as_text=True), "edit-info with errors")

    export = manager_client.get("/admin/customers/export.csv").get_data(as_text=True)
    assert_spreadsheet_safe(export, "users export")
    assert SCRIPT in export  # as text, not dropped

    # The shopper sees their own name as text on the storefront.
    shopper_client = signed_in(db.session.get(Account, shopper.id))
    page(shopper_client, f"/m/{market.slug}/account")
    page(shopper_client, f"/m/{market.slug}/")


def test_searching_for_payloads_echoes_them_as_text(manager_client, shopper):
    for term in (SCRIPT, IMG, JS_URL, TEMPLATE, FORMULA, "%_\\", ALL):
        html = page(manager_client, "/admin/customers/?search=" + _quote(term))
        assert "No customers match" in html
        page(manager_client, "/admin/audit-log/?search=" + _quote(term))
        page(manager_client, "/admin/mail-events/?search=" + _quote(term))
    page(manager_client, "/admin/mail-events/?flt0_0=" + _quote(SCRIPT))


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_act_as_reason_and_session_trail_show_as_text(app, manager_client, market, shopper):
    # A valid address that a spreadsheet would run as a formula (the classic DDE payload).
    shopper.first_name, shopper.last_name, shopper.email = SCRIPT, IMG, "=cmd|x@example.org"
    db.session.commit()
    start = f"/admin/customers/{shopper.id}/act-as"
    response = post_form(manager_client, start, {"reason": ALL[:250]})
    assert response.status_code == 302
    # In the shopper's seat: the banner names them, and a form post is logged with its fields.
    page(manager_client, f"/m/{market.slug}/account")
    token = csrf_token_from(manager_client.get(f"/m/{market.slug}/cart").get_data(as_text=True))
    manager_client.post(f"/m/{market.slug}/cart", data={"csrf_token": token, "note": ALL[:40]})
    token = csrf_token_from(manager_client.get(f"/m/{market.slug}/account").get_data(as_text=True))
    ended = manager_client.post("/act-as/end", data={"csrf_token": token})
    assert ended.status_code == 302
    page(manager_client, ended.headers["Location"])  # the flash names the customer

    log = page(manager_client, "/admin/act-as-log/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in log
    session_id = re.search(r"/admin/act-as-log/details/\?id=(\d+)", log).group(1)
    page(manager_client, f"/admin/act-as-log/details/?id={session_id}")
    page(manager_client, "/admin/audit-log/")

    staff = app.test_client()
    from tests.conftest import sign_in

    assert sign_in(staff, SuperuserFactory()).status_code == 302
    export = staff.get("/admin/act-as-log/export.csv")
    assert export.status_code == 200
    assert_spreadsheet_safe(export.get_data(as_text=True), "act-as export")


def test_a_csv_full_of_payloads_previews_and_imports_as_text(app, manager_client, market, mailbox):
    rows = [
        ["first name", "last name", "email", "phone", "pickup location", SCRIPT],
        [SCRIPT, IMG, "ready@example.org", "", "Downtown", "x"],
        [TEMPLATE, FORMULA, "formula@example.org", "", "", ""],
        ["Bad", "Email", IMG, "", "", ""],
        ["Bad", "Pickup", "pickup@example.org", "", SCRIPT, ""],
        ["Bad", "Phone", "phone@example.org", JS_URL, "", ""],
        [FORMULA, "Dup", "ready@example.org", "", "", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = {"file": (io.BytesIO(buffer.getvalue().encode()), IMG[2:] + SCRIPT + ".csv")}
    response = post_form(
        manager_client,
        "/admin/customers/",
        data,
        post_path="/admin/customers/import/",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, re.findall(r"alert[^>]*>([^<]*)", response.text)
    preview_path = response.headers["Location"]
    html = page(manager_client, preview_path)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and TEMPLATE in html
    assert post_form(manager_client, preview_path, {}).status_code == 302
    page(manager_client, preview_path)
    assert {a.email for a in db.session.query(Account).filter_by(market_id=market.id)} >= {
        "ready@example.org",
        "formula@example.org",
    }
    assert db.session.query(ImportPreview).count() == 1
    page(manager_client, "/admin/customers/")
    page(manager_client, "/admin/audit-log/")
    export = manager_client.get("/admin/customers/export.csv").get_data(as_text=True)
    assert_spreadsheet_safe(export, "users export after import")
    # The welcome emails' HTML parts carry the names as text too.
    for message in mailbox.messages():
        part = message.get_body(("html",))
        if part is not None:
            assert_inert(part.get_content(), f"welcome email to {message['To']}")


def test_invitation_message_and_pasted_entries_show_as_text_in_the_summary_and_email(
    app, manager_client, market, mailbox
):
    from tests.onboarding.test_invitations import _send

    pasted = f"guest@example.org\n{IMG}\nEvil {SCRIPT} <evil@example.org>\n{JS_URL}"
    response = _send(manager_client, pasted, message=ALL)
    assert response.status_code == 302
    page(manager_client, response.headers["Location"])
    (invitation,) = mailbox.to("guest@example.org")
    html = invitation.get_body(("html",)).get_content()
    assert_inert(html, "invitation email")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and TEMPLATE in html
    text = invitation.get_body(("plain",)).get_content()
    assert SCRIPT in text and TEMPLATE in text  # plain text shows it exactly as typed

    staff = app.test_client()
    from tests.conftest import sign_in

    assert sign_in(staff, SuperuserFactory()).status_code == 302
    outbox = page(staff, "/admin/outbox/")
    names = re.findall(r'/admin/outbox/([^"/]+\.eml)', outbox)
    assert names
    for name in names:
        page(staff, f"/admin/outbox/{name}")


def test_signup_fields_with_payloads_show_as_text_to_the_shopper_and_the_manager(
    app, manager_client, market
):
    signup = f"/m/{market.slug}/signup"
    shopper = app.test_client()
    fields = {
        "first_name": SCRIPT,
        "last_name": IMG,
        "email": "new@example.org",
        "phone": "",
        "password": "Radishes5",
        "confirm": "Radishes5",
    }
    # A refused signup puts the typed values back in the form, escaped.
    refused = post_form(shopper, signup, {**fields, "email": IMG, "phone": JS_URL})
    assert refused.status_code == 400
    assert_inert(refused.get_data(as_text=True), "signup with errors")
    created = post_form(shopper, signup, fields)
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    page(shopper, created.headers["Location"])
    account = db.session.query(Account).filter_by(email="new@example.org").one()
    assert account.first_name == SCRIPT
    page(manager_client, "/admin/customers/")
    page(manager_client, _details(account))
    page(manager_client, "/admin/audit-log/")


def test_mail_event_text_from_a_provider_shows_as_text(manager_client, market, shopper):
    event = MailEvent(
        provider="mailgun",
        provider_event_id="evt-1",
        kind=MailEventKind.HARD_BOUNCE,
        email=shopper.email,
        reason=ALL,
        market_id=market.id,
        account_id=shopper.id,
        received_at=utcnow(),
        processed_at=utcnow(),
        raw='{"reason": "' + SCRIPT + '"}',
    )
    shopper.first_name = SCRIPT
    db.session.add(event)
    db.session.commit()
    page(manager_client, "/admin/mail-events/")
    page(manager_client, f"/admin/mail-events/details/?id={event.id}")


def test_payloads_in_names_show_as_text_on_the_duplicates_merge_timeline_and_data_screens(
    manager_client, market, manager
):
    from lgadmin.privacy.models import DataRequest, DataRequestKind

    twin = {"first_name": SCRIPT, "last_name": IMG, "phone": "+17065550199"}
    one = AccountFactory(market=market, email="twin.one@example.org", **twin)
    two = AccountFactory(market=market, email="twin.two@example.org", **twin)
    db.session.add(DataRequest(market_id=market.id, account_id=one.id, kind=DataRequestKind.EXPORT))
    db.session.commit()

    duplicates = page(manager_client, "/admin/customers/duplicates/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in duplicates
    page(manager_client, f"/admin/customers/{one.id}/merge?q=twin")
    page(manager_client, f"/admin/customers/{one.id}/merge?into={two.id}")
    page(manager_client, f"/admin/customers/{one.id}/timeline")
    page(manager_client, "/admin/data-requests/")
    page(manager_client, _details(one))
    token = csrf_token_from(page(manager_client, "/admin/customers/"))
    group_step = manager_client.post(
        "/admin/customers/action/",
        data={"csrf_token": token, "action": "add_to_group", "rowid": [one.id, two.id]},
    )
    assert group_step.status_code == 200
    assert "Add 2 customers to the chosen group?" in group_step.get_data(as_text=True)
    assert_inert(group_step.get_data(as_text=True), "bulk Add to group step")


def test_a_campaign_full_of_payloads_shows_as_text_in_both_parts_of_its_email(
    app, manager_client, market, mailbox
):
    from lgadmin.segments.models import Segment

    AccountFactory(market=market, email="hostile@example.org", first_name=SCRIPT)
    segment = Segment(market_id=market.id, name="Everyone", criteria={"active": "yes"})
    db.session.add(segment)
    db.session.commit()
    form = manager_client.get(f"/admin/campaigns/new?segment={segment.id}").get_data(as_text=True)
    response = manager_client.post(
        "/admin/campaigns/new",
        data={
            "csrf_token": csrf_token_from(form),
            "segment": segment.id,
            "subject": ALL,
            "message": f"{ALL}\n\n{IMG}",
        },
    )
    assert response.status_code == 302
    page(manager_client, response.headers["Location"])
    (campaign,) = mailbox.to("hostile@example.org")
    html = campaign.get_body(("html",)).get_content()
    assert_inert(html, "campaign email")  # the manager's text is escaped, never raw HTML
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = campaign.get_body(("plain",)).get_content()
    assert SCRIPT in text and TEMPLATE in text and IMG in text

"""Add Customers → Send invitations, and the signup page an invitation leads to."""

import re

from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.onboarding.invitations import send_invitations, split_entries
from lgadmin.onboarding.models import Invitation
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory
from tests.onboarding.helpers import html_of, link_in, local_path, text_of, visible_text

WINDOW = "/admin/customers/add-window"  # the Add Customers window, fetched by the grid
INVITE = "/admin/customers/invitations/"


def _form_fields(html: str) -> dict:
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="submission_key" name="submission_key" type="hidden" value="([^"]+)"', html
    )
    return {"csrf_token": csrf_token_from(html), "submission_key": key.group(1)}


def _send(client, addresses: str, message: str = "", fields: dict | None = None):
    fields = fields or _form_fields(client.get(WINDOW).get_data(as_text=True))
    return client.post(INVITE, data={**fields, "addresses": addresses, "message": message})


def test_entries_are_split_on_lines_commas_and_semicolons():
    assert split_entries(" a@x.org\r\nb@x.org, c@x.org;d@x.org ;; \n\n,e@x.org ") == [
        "a@x.org",
        "b@x.org",
        "c@x.org",
        "d@x.org",
        "e@x.org",
    ]


def test_the_summary_counts_sent_skipped_and_not_email(signed_in, mailbox):
    manager = AccountFactory(
        manager=True, first_name="Mia", last_name="Manager", market__name="Athens Locally Grown"
    )
    AccountFactory(market=manager.market, email="member@example.org")
    client = signed_in(manager)
    pasted = (
        "new.one@example.org\nMember@Example.org, Jo Doe <jo@example.org>; not an email\n"
        "new.one@example.org\n<script>alert(1)</script>"
    )
    response = _send(client, pasted, message="See you Saturday! <b>Fresh</b> eggs.")
    assert response.status_code == 302
    summary = client.get(response.headers["Location"]).get_data(as_text=True)
    text = visible_text(summary)
    assert "2 invitations sent." in text
    assert "Skipped: 1 already has an account member@example.org" in text
    assert "2 entries didn't look like an email address not an email" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and "<script>alert(1)" not in summary

    invitations = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [(i.email, i.invited_by_id, i.market_id) for i in invitations] == [
        ("jo@example.org", manager.id, manager.market_id),
        ("new.one@example.org", manager.id, manager.market_id),
    ]
    assert all(i.sent_at is not None for i in invitations)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "invitations.send"))
    assert entry.one().details == {"sent": 2, "already_have_account": 1, "not_email": 2}

    messages = {m["To"]: m for m in mailbox.messages()}
    assert set(messages) == {"jo@example.org", "new.one@example.org"}
    invitation = messages["jo@example.org"]
    assert invitation["Subject"] == "You're invited to shop at Athens Locally Grown"
    assert invitation["X-LGAdmin-Market"] == str(manager.market_id)
    assert "Mia Manager invites you to shop at Athens Locally Grown" in text_of(invitation)
    assert "See you Saturday! <b>Fresh</b> eggs." in text_of(invitation)
    html = html_of(invitation)
    assert "See you Saturday! &lt;b&gt;Fresh&lt;/b&gt; eggs." in html
    assert "Athens Locally Grown</td>" in html  # the market's banner
    link = link_in(invitation, f"/m/{manager.market.slug}/signup?invitation=")
    assert link.startswith("http://localhost/")


def test_a_double_click_sends_once(signed_in, mailbox):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    fields = _form_fields(client.get(WINDOW).get_data(as_text=True))
    first = _send(client, "a@example.org, b@example.org", fields=fields)
    second = _send(client, "a@example.org, b@example.org", fields=fields)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db.session.scalars(select(Invitation)).all()) == 2
    assert len(mailbox.messages()) == 2
    # The same addresses from a fresh form are a new, deliberate sending.
    _send(client, "a@example.org, b@example.org")
    assert len(mailbox.messages()) == 4


def test_more_than_200_addresses_or_a_long_message_are_refused(signed_in, mailbox):
    manager = AccountFactory(manager=True)
    client = signed_in(manager)
    many = "\n".join(f"p{n}@example.org" for n in range(201))
    response = _send(client, many)
    assert response.status_code == 400
    assert "Paste at most 200 addresses at a time; there are 201." in response.get_data(
        as_text=True
    )
    response = _send(client, "a@example.org", message="x" * 1001)
    assert response.status_code == 400
    assert "The personal message can be at most 1,000 characters; it has 1,001." in (
        response.get_data(as_text=True)
    )
    assert db.session.scalars(select(Invitation)).all() == []
    assert mailbox.messages() == []
    # Exactly 200 and 1,000 are fine (the mail itself is timed in test_mail_delivery).
    batch, _ = send_invitations(
        manager,
        manager.market,
        ";".join(f"p{n}@example.org" for n in range(200)),
        "y" * 1000,
        "form-key",
    )
    assert len(batch.summary["sent"]) == 200


def test_another_markets_summary_is_not_found(app, signed_in):
    manager = AccountFactory(manager=True)
    location = _send(signed_in(manager), "a@example.org").headers["Location"]
    other = app.test_client()
    from tests.conftest import sign_in

    sign_in(other, AccountFactory(manager=True))
    assert other.get(location).status_code == 404


def test_the_invitation_link_fills_in_the_email_and_signing_up_accepts_it(app, signed_in, mailbox):
    manager = AccountFactory(manager=True)
    _send(signed_in(manager), "guest@example.org", message="Welcome!")
    (message,) = mailbox.messages()
    path = local_path(link_in(message, "/signup?invitation="))
    shopper = app.test_client()
    page = shopper.get(path).get_data(as_text=True)
    assert 'value="guest@example.org"' in page
    response = shopper.post(
        path,
        data={
            "csrf_token": csrf_token_from(page),
            "invitation": re.search(r'name="invitation" type="hidden" value="([^"]+)"', page).group(
                1
            ),
            "first_name": "Gus",
            "last_name": "Guest",
            "email": "guest@example.org",
            "password": "Carrots42",
            "confirm": "Carrots42",
        },
    )
    assert response.status_code == 302
    account = db.session.scalars(select(Account).where(Account.email == "guest@example.org")).one()
    invitation = db.session.scalars(select(Invitation)).one()
    db.session.refresh(invitation)
    assert invitation.accepted_at is not None and invitation.account_id == account.id
    assert account.created_by_id is None  # they created it themselves
    # The accepted link no longer fills anything in.
    assert 'value="guest@example.org"' not in shopper.get(path).get_data(as_text=True)


def test_an_invitation_to_someone_who_signed_up_meanwhile_is_not_sent(app, mailbox):
    from lgadmin.onboarding.emails import send_invitation_email
    from lgadmin.onboarding.invitations import batch_invitation_ids, send_invitations

    market = MarketFactory()
    manager = AccountFactory(manager=True, market=market)
    batch, _ = send_invitations(manager, market, "late@example.org", "", "key")
    AccountFactory(market=market, email="late@example.org")
    with app.test_request_context():
        assert send_invitation_email(batch_invitation_ids(batch)[0], "http://x.org/") is False
    assert mailbox.messages() == []

import email
import email.policy
import re
from pathlib import Path

import pytest

from lgadmin.mail import send_mail
from tests.conftest import sign_in
from tests.factories import AccountFactory, SuperuserFactory


@pytest.fixture(autouse=True)
def _own_outbox(app, monkeypatch, tmp_path):
    """An outbox of these tests' own: other tests move the clock, and the outbox lists files
    by the time in their names, so a message written "tomorrow" would come first."""
    monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", str(tmp_path / "outbox"))


def test_without_mail_server_messages_land_in_the_outbox(app):
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with app.test_request_context():
        send_mail(
            "Renée Dubois <renee@example.org>", "Welcome to the market", "Set your password: …"
        )
    new = set(outbox.glob("*.eml")) - before
    assert len(new) == 1
    message = email.message_from_bytes(new.pop().read_bytes(), policy=email.policy.default)
    assert message["To"] == "Renée Dubois <renee@example.org>"
    assert message["Subject"] == "Welcome to the market"
    assert "Set your password" in message.get_body(("plain",)).get_content()


def test_superuser_reads_the_outbox_and_a_manager_cannot(app, client):
    with app.test_request_context():
        send_mail("shopper@example.org", "Your order is ready", "See you at pickup.")
    manager = AccountFactory(manager=True)
    staff = SuperuserFactory()
    manager_client = app.test_client()
    sign_in(manager_client, manager)
    assert manager_client.get("/admin/outbox/").status_code == 403
    sign_in(client, staff)
    listing = client.get("/admin/outbox/").get_data(as_text=True)
    assert "Your order is ready" in listing
    link = re.search(r'href="/admin/outbox/([^"]+\.eml)"', listing).group(1)
    message = client.get(f"/admin/outbox/{link}").get_data(as_text=True)
    assert "See you at pickup." in message
    assert client.get("/admin/outbox/..%2Fsecret_key").status_code == 404


def _outbox_messages(app):
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(outbox.glob("*.eml"))
    ]


def test_mail_for_an_account_names_its_market_and_account(app):
    from lgadmin.deliverability.sends import send_to_account

    account = AccountFactory(email="pat@example.org")
    before = len(_outbox_messages(app))
    with app.test_request_context():
        assert send_to_account(account, "Pickup moved", "lgadmin/mail/notice", message="Moved.")
    message = _outbox_messages(app)[before:][0]
    assert message["X-LGAdmin-Market"] == str(account.market_id)
    assert message["X-LGAdmin-Account"] == str(account.id)
    assert "Moved." in message.get_body(("plain",)).get_content()


def test_opted_out_accounts_get_receipts_but_no_newsletters(app):
    from lgadmin.deliverability.sends import send_to_account

    account = AccountFactory(receives_mailings=False)
    with app.test_request_context():
        assert not send_to_account(account, "News", "lgadmin/mail/notice", bulk=True, message="")
        assert send_to_account(account, "Receipt", "lgadmin/mail/notice", message="Paid.")


def test_a_hard_bounced_address_gets_nothing(app):
    from lgadmin.deliverability.sends import send_to_account
    from lgadmin.timeutil import utcnow

    account = AccountFactory(email_bounced_at=utcnow())
    before = len(_outbox_messages(app))
    with app.test_request_context():
        assert not send_to_account(account, "Receipt", "lgadmin/mail/notice", message="Paid.")
    assert len(_outbox_messages(app)) == before

import email
import email.policy
import re
from pathlib import Path

from lgadmin.mail import send_mail
from tests.conftest import sign_in
from tests.factories import AccountFactory, SuperuserFactory


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

"""lgadmin's own unsubscribe link and headers (RFC 8058), and who gets which mail."""

import email
import email.policy
import re
from pathlib import Path

from sqlalchemy import select

from lgadmin.accounts.models import Account, Comment
from lgadmin.deliverability.models import MailSend
from lgadmin.deliverability.sends import send_to_account
from lgadmin.deliverability.unsubscribe import unsubscribe_token, unsubscribe_url
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, MarketFactory


def _send(app, account, *, bulk: bool):
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with app.test_request_context():
        sent = send_to_account(
            account, "This week at the market", "lgadmin/mail/notice", bulk=bulk, message="Hi"
        )
        db.session.commit()
    new = set(outbox.glob("*.eml")) - before if outbox.exists() else set()
    assert len(new) == (1 if sent else 0)
    if not sent:
        return None
    return email.message_from_bytes(new.pop().read_bytes(), policy=email.policy.default)


def _reload(account) -> Account:
    db.session.expire_all()
    return db.session.get(Account, account.id)


def test_newsletter_carries_the_unsubscribe_link_and_one_click_headers(app):
    shopper = AccountFactory()
    message = _send(app, shopper, bulk=True)
    link = re.fullmatch(
        r"<(http://localhost/m/[^/]+/unsubscribe/[^>]+)>", str(message["List-Unsubscribe"]).strip()
    )
    assert link is not None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link.group(1) in message.get_body(("plain",)).get_content()
    assert message["X-PM-Metadata-lgadmin-account"] == str(shopper.id)
    assert str(shopper.market_id) in message["X-Mailgun-Variables"]


def test_receipts_carry_no_unsubscribe_link(app):
    message = _send(app, AccountFactory(), bulk=False)
    assert message["List-Unsubscribe"] is None
    assert "unsubscribe" not in message.get_body(("plain",)).get_content().lower()


def test_bulk_mail_is_never_sent_with_receives_mailings_off(app):
    shopper = AccountFactory(receives_mailings=False)
    assert _send(app, shopper, bulk=True) is None
    assert _send(app, shopper, bulk=False) is not None  # a receipt still goes


def test_nothing_at_all_is_sent_to_a_hard_bounced_address(app):
    shopper = AccountFactory(receives_mailings=False, email_bounced_at=utcnow())
    assert _send(app, shopper, bulk=True) is None
    assert _send(app, shopper, bulk=False) is None


def test_each_send_is_counted_for_its_market(app):
    shopper = AccountFactory()
    _send(app, shopper, bulk=True)
    _send(app, shopper, bulk=False)
    sends = db.session.scalars(select(MailSend.market_id)).all()
    assert sends == [shopper.market_id, shopper.market_id]


def test_unsubscribe_link_outside_a_request_uses_lgadmin_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://food.example.net/")
    shopper = AccountFactory()
    url = unsubscribe_url(shopper)
    assert url.startswith(f"https://food.example.net/m/{shopper.market.slug}/unsubscribe/")


def test_unsubscribe_page_asks_first_and_the_button_unsubscribes(client):
    shopper = AccountFactory()
    path = f"/m/{shopper.market.slug}/unsubscribe/{unsubscribe_token(shopper)}"
    page = client.get(path)
    assert page.status_code == 200
    assert f"Stop emails from {shopper.market.name}?" in page.get_data(as_text=True)
    assert _reload(shopper).receives_mailings is True  # a link scanner's GET changes nothing
    done = client.post(path, data={"csrf_token": "from the page"})
    assert done.status_code == 200 and "unsubscribed" in done.get_data(as_text=True)
    shopper = _reload(shopper)
    assert (shopper.receives_mailings, shopper.active) == (False, False)
    comment = db.session.scalars(select(Comment.body)).one()
    assert re.fullmatch(
        r"Unsubscribed on \d+/\d+/\d{4}, \d+:\d\d [AP]M\. Deactivating account\.", comment
    )


def test_one_click_post_from_a_mail_client_unsubscribes_without_a_csrf_token(client):
    shopper = AccountFactory()
    path = f"/m/{shopper.market.slug}/unsubscribe/{unsubscribe_token(shopper)}"
    response = client.post(
        path,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert _reload(shopper).receives_mailings is False
    client.post(path, data="List-Unsubscribe=One-Click")  # clicked twice: one comment
    assert len(db.session.scalars(select(Comment)).all()) == 1


def test_forged_or_foreign_unsubscribe_tokens_are_not_found(client):
    shopper = AccountFactory()
    other_market = MarketFactory()
    token = unsubscribe_token(shopper)
    assert client.get(f"/m/{shopper.market.slug}/unsubscribe/{token}x").status_code == 404
    assert client.post(f"/m/{shopper.market.slug}/unsubscribe/[1,1]").status_code == 404
    assert client.post(f"/m/{other_market.slug}/unsubscribe/{token}").status_code == 404
    assert _reload(shopper).receives_mailings is True


def test_unsubscribe_page_shows_html_in_names_as_text(client):
    market = MarketFactory(name="<b>Bold</b> Market")
    shopper = AccountFactory(market=market)
    page = client.get(f"/m/{market.slug}/unsubscribe/{unsubscribe_token(shopper)}")
    assert "&lt;b&gt;Bold&lt;/b&gt; Market" in page.get_data(as_text=True)

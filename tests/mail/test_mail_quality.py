"""Mail as mailbox providers read it (issue 20): one message of every kind, sent through a
real SMTP server and checked on the bytes it received, not on a parser's decoded view."""

import json
import re
from datetime import timedelta
from email.utils import parseaddr, parsedate_to_datetime

import pytest

from lgadmin.act_as.models import ActAsSession
from lgadmin.act_as.notify import send_help_notice
from lgadmin.auth.links import send_sign_in_link
from lgadmin.campaigns.service import send_campaign, send_campaign_to_accounts
from lgadmin.extensions import db
from lgadmin.onboarding.emails import (
    send_invitation_email,
    send_password_reset,
    send_signup_answer,
    send_welcome_email,
)
from lgadmin.onboarding.models import Invitation
from lgadmin.onboarding.verification import send_confirmation_email
from lgadmin.segments.models import Segment
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, MarketFactory

ROOT = "https://shop.platform.example/"
PLATFORM = "noreply@mail.platform.example"
MARKET_NAME = "Ferme de l’Île"
WHY = "You get this email because"
# Headers a message may carry; anything else was smuggled in through a user field.
ALLOWED_HEADERS = {
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "from",
    "to",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "x-lgadmin-market",
    "x-lgadmin-account",
    "x-lgadmin-invitation",
    "x-pm-metadata-lgadmin-market",
    "x-pm-metadata-lgadmin-account",
    "x-pm-metadata-lgadmin-invitation",
    "x-mailgun-variables",
}
HOSTILE = "Eve\r\nBcc: victim@evil.example\r\n\r\n<script>x</script>"


@pytest.fixture
def long_named_market():
    """A market whose name and slug are long and full of accents: the headers must fold them."""
    return MarketFactory(name=MARKET_NAME, slug="ferme-de-l-ile-" + "x" * 40)


@pytest.fixture
def people(long_named_market):
    market = long_named_market
    manager = AccountFactory(
        market=market, manager=True, email="grower@ferme.example", first_name="Gil"
    )
    # User fields full of line breaks and markup: they must stay in the bodies, escaped.
    shopper = AccountFactory(market=market, first_name=HOSTILE, email="shopper@example.org")
    return manager, shopper


def _send_every_kind(app, market, manager, shopper) -> dict[str, str]:
    """One message of every kind lgadmin sends; returns kind -> recipient."""
    market.sign_in_link_enabled = True
    fresh = AccountFactory(market=market, password_hash=None, email="new@example.org")
    unverified = AccountFactory(market=market, email="unverified@example.org")
    invitation = Invitation(
        market_id=market.id,
        email="invited@example.org",
        message=HOSTILE,
        token_hash="placeholder",
        invited_by_id=manager.id,
    )
    seat = ActAsSession(
        market_id=market.id,
        manager_id=manager.id,
        shopper_id=shopper.id,
        expires_at=utcnow() + timedelta(minutes=30),
    )
    segment = Segment(market_id=market.id, name="Everyone", criteria={"active": "yes"})
    db.session.add_all([invitation, seat, segment])
    db.session.commit()
    assert send_welcome_email(fresh.id, ROOT)
    assert send_password_reset(market.id, manager.email, ROOT)
    assert send_confirmation_email(unverified.id, ROOT)
    assert send_sign_in_link(market.id, shopper.email, ROOT)
    assert send_invitation_email(invitation.id, ROOT)
    send_help_notice(seat.id)
    member = AccountFactory(market=market, email="member@example.org")
    assert send_signup_answer(market.id, member.email, ROOT)
    db.session.commit()
    with app.test_request_context(base_url=ROOT):
        # Jobs run inline (no Redis here), each a campaign's batch.
        send_campaign_to_accounts(
            manager, market, [unverified.id], "Selected: " + "long words " * 12, "Hi\n\nBye"
        )
        send_campaign(manager, market, segment, "Tomatoes are in", HOSTILE)
    return {
        "welcome": fresh.email,
        "reset_password": manager.email,
        "confirm_email": unverified.email,
        "sign_in_link": shopper.email,
        "invitation": invitation.email,
        "act_as_notice": shopper.email,
        "already_registered": "member@example.org",
        "email_selected": unverified.email,
        "campaign": shopper.email,
    }


def _by_subject(smtp, address, words):
    (found,) = [
        r for r in smtp.received if address in r.rcpt_tos and words in str(r.message["Subject"])
    ]
    return found


SUBJECTS = {
    "welcome": "Welcome to",
    "reset_password": "Reset your",
    "confirm_email": "Confirm your email",
    "sign_in_link": "Your sign-in link",
    "invitation": "You're invited",
    "act_as_notice": "helped with your account",
    "already_registered": "account",
    "email_selected": "Selected:",
    "campaign": "Tomatoes are in",
}
BULK = {"email_selected", "campaign"}


def _lines_outside_urls(text: str) -> list[str]:
    return [line for line in text.splitlines() if not re.fullmatch(r"\S*https?://\S+", line)]


def test_every_kind_of_message_is_complete_and_well_formed_on_the_wire(
    app, smtp, long_named_market, people
):
    market = long_named_market
    manager, shopper = people
    kinds = _send_every_kind(app, market, manager, shopper)
    for kind, address in kinds.items():
        received = _by_subject(smtp, address, SUBJECTS[kind])
        raw, message = received.raw, received.message
        where = f"{kind}: "

        # Every line within RFC 5322's 998, headers and bodies alike; CRLF line ends only.
        assert all(len(line) <= 998 for line in raw.split(b"\r\n")), where
        assert b"\n" not in raw.replace(b"\r\n", b""), where
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are 7-bit on the wire
        names = {
            line.split(":", 1)[0].lower() for line in head.split("\r\n") if line[:1] not in " \t"
        }
        assert names <= ALLOWED_HEADERS, where + str(names - ALLOWED_HEADERS)
        assert "evil.example" not in head and "Bcc" not in head, where

        # Date and a Message-ID on the platform's domain.
        assert parsedate_to_datetime(message["Date"]).tzinfo is not None, where
        assert re.fullmatch(r"<[^@<>\s]+@mail\.platform\.example>", message["Message-ID"]), where

        # The market sends as itself, from the platform's address; replies reach the market.
        assert parseaddr(str(message["From"])) == (MARKET_NAME, PLATFORM), where
        assert re.search(
            r"^From: [^<>\r\n]*=\?utf-8\?[^<>]*\?= <noreply@mail\.platform\.example>\r$", head, re.M
        )
        assert str(message["Reply-To"]) == manager.email, where

        # A text and an HTML part, each with the market's name and why it was sent.
        assert message.get_content_type() == "multipart/alternative", where
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        for part in (text, html.replace("&#39;", "'").replace("&rsquo;", "’")):
            assert MARKET_NAME in part, where
            assert WHY in part, where
        # Plain text folded at 78 columns; only a link too long to break stands alone.
        assert all(len(line) <= 78 for line in _lines_outside_urls(text)), where
        # User fields are text in the HTML, never markup.
        assert "<script>" not in html, where

        # Links are absolute https on the platform's address.
        links = re.findall(r"https?://[^\s\"<>]+", text + html)
        assert links or kind == "act_as_notice", where
        assert all(link.startswith(ROOT) for link in links), where + str(links)

        # Reports from Postmark and Mailgun can name the market (and account).
        assert message["X-PM-Metadata-lgadmin-market"] == str(market.id), where
        variables = json.loads(message["X-Mailgun-Variables"])
        assert variables["lgadmin-market"] == str(market.id), where
        if kind == "invitation":
            assert variables["lgadmin-invitation"] == message["X-LGAdmin-Invitation"] != ""
            assert "lgadmin-account" not in variables and message["X-LGAdmin-Account"] is None
        else:
            assert variables["lgadmin-account"] == message["X-PM-Metadata-lgadmin-account"] != ""

        # One-click unsubscribe on bulk mail only, written literally.
        if kind in BULK:
            (line,) = received.raw_header_lines("List-Unsubscribe")
            assert re.fullmatch(
                r"List-Unsubscribe: <https://shop\.platform\.example/m/[^>]+>", line
            )
            assert received.raw_header_lines("List-Unsubscribe-Post") == [
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
            ]
        else:
            assert message["List-Unsubscribe"] is None, where
            assert message["List-Unsubscribe-Post"] is None, where


def test_campaign_html_is_the_managers_text_escaped_and_paragraphed(
    app, smtp, long_named_market, people
):
    market = long_named_market
    manager, shopper = people
    segment = Segment(market_id=market.id, name="Everyone", criteria={"active": "yes"})
    db.session.add(segment)
    db.session.commit()
    with app.test_request_context(base_url=ROOT):
        send_campaign(
            manager, market, segment, "News", "<b>Tomatoes</b> & peppers\nare in.\n\nSee you!"
        )
    html = smtp.to(shopper.email).message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert "<p>&lt;b&gt;Tomatoes&lt;/b&gt; &amp; peppers<br>\nare in.</p>" in html
    assert "<p>See you!</p>" in html


def test_a_long_unsubscribe_link_and_a_mailto_stay_literal(app, smtp, monkeypatch, people):
    manager, shopper = people
    market = shopper.market
    market.mail_unsubscribe_mailbox = "unsubscribe@ferme.example"
    db.session.commit()
    # A base address long enough that both links can't share one 998-character line.
    long_root = "https://shop.platform.example/" + "a" * 800 + "/"
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", long_root)
    send_campaign_to_accounts(manager, market, [shopper.id], "News", "Hi")
    received = smtp.to(shopper.email)
    lines = received.raw_header_lines("List-Unsubscribe")
    assert lines[0] == "List-Unsubscribe: <mailto:unsubscribe@ferme.example?subject=unsubscribe>,"
    assert re.fullmatch(r" <https://shop\.platform\.example/a{800}/m/[^>]+>", lines[1])
    assert "=?" not in "".join(lines)
    value = str(received.message["List-Unsubscribe"])
    assert value.startswith("<mailto:unsubscribe@ferme.example?subject=unsubscribe>,")


def test_a_market_sender_name_and_reply_to_are_its_own(app, smtp, people):
    manager, shopper = people
    market = shopper.market
    market.mail_sender_name = "Ferme\u00a0«Bio» Market"
    market.mail_reply_to = "orders@ferme.example"
    db.session.commit()
    seat = ActAsSession(
        market_id=market.id,
        manager_id=manager.id,
        shopper_id=shopper.id,
        expires_at=utcnow() + timedelta(minutes=30),
    )
    db.session.add(seat)
    db.session.commit()
    send_help_notice(seat.id)
    received = smtp.to(shopper.email)
    (from_line,) = received.raw_header_lines("From")
    # RFC 2047 for the display name only; the address stays plain.
    assert re.fullmatch(
        r"From: =\?utf-8\?[qb]\?[^ ]+\?= Market <noreply@mail\.platform\.example>", from_line
    )
    message = received.message
    assert parseaddr(str(message["From"])) == ("Ferme\u00a0«Bio» Market", PLATFORM)
    assert str(message["Reply-To"]) == "orders@ferme.example"
    assert "reply to this email" in message.get_body(("plain",)).get_content()
    assert received.mail_from == PLATFORM


def test_links_are_https_in_production_even_from_an_http_address(app, smtp, monkeypatch, people):
    manager, shopper = people
    monkeypatch.setitem(app.config, "LGADMIN_ENV", "production")
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "http://shop.platform.example")
    send_campaign_to_accounts(manager, shopper.market, [shopper.id], "News", "Hi")
    message = smtp.to(shopper.email).message
    assert str(message["List-Unsubscribe"]).startswith("<https://shop.platform.example/m/")
    text = message.get_body(("plain",)).get_content()
    assert "http://" not in text and "https://shop.platform.example/m/" in text


def test_an_internationalised_domain_goes_out_in_its_ascii_form(
    app, smtp, long_named_market, people
):
    market = long_named_market
    manager, _ = people
    shopper = AccountFactory(market=market, email="ana@bücher.example")
    send_campaign_to_accounts(manager, market, [shopper.id], "News", "Hi")
    received = smtp.to("ana@xn--bcher-kva.example")
    assert received.raw_header_lines("To") == ["To: ana@xn--bcher-kva.example"]


def test_a_kind_with_only_a_text_template_still_gets_an_html_part(app, monkeypatch, people):
    from jinja2 import ChoiceLoader, DictLoader

    from lgadmin.mail import render_parts

    _, shopper = people
    only_text = DictLoader({"tests/mail/only_text.txt": "Hello <b>{{ account.email }}</b>"})
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([only_text, app.jinja_env.loader]))
    with app.test_request_context():
        text, html = render_parts("tests/mail/only_text", account=shopper, market=shopper.market)
    assert text == f"Hello <b>{shopper.email}</b>"
    assert f"<p>Hello &lt;b&gt;{shopper.email}&lt;/b&gt;</p>" in html
    assert MARKET_NAME in html

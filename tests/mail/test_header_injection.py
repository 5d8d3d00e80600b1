"""Header values typed by someone (issue 19.9, issue 20 bad input): a line break is refused
at the form with a message next to the field, and the mail layer refuses it too, so no
job fails at send time and no header is smuggled into a message."""

import pytest
from sqlalchemy import select

from lgadmin.campaigns.models import Campaign
from lgadmin.campaigns.service import CampaignError, send_campaign_to_accounts
from lgadmin.extensions import db
from lgadmin.mail import MailHeaderError, build_message
from lgadmin.markets.models import Market
from tests.accounts.helpers import fresh
from tests.campaigns.test_campaigns import outbox_files, outbox_messages
from tests.conftest import csrf_token_from
from tests.customers.test_bulk import bulk
from tests.factories import AccountFactory

INJECTIONS = [
    "News\r\nBcc: victim@evil.example",
    "News\nBcc: victim@evil.example",
    "News\rBcc: victim@evil.example",
    "News\r\n\r\n<html>body</html>",
]
SETTINGS = "/admin/market-settings/"


@pytest.mark.parametrize("subject", INJECTIONS)
def test_a_campaign_subject_with_a_line_break_is_refused_next_to_the_field(
    app, manager_client, market, subject
):
    from lgadmin.segments.models import Segment

    AccountFactory(market=market, email="yes@x.org")
    segment = Segment(market_id=market.id, name="Everyone", criteria={"active": "yes"})
    db.session.add(segment)
    db.session.commit()
    before = outbox_files(app)
    page = manager_client.get(f"/admin/campaigns/new?segment={segment.id}").get_data(as_text=True)
    response = manager_client.post(
        "/admin/campaigns/new",
        data={
            "csrf_token": csrf_token_from(page),
            "segment": segment.id,
            "subject": subject,
            "message": "Keep this text",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-subject">Keep the subject to one line, without line breaks.' in html
    assert ">Keep this text</textarea>" in html
    assert db.session.scalar(select(Campaign)) is None
    assert outbox_messages(app, before) == []


@pytest.mark.parametrize("subject", INJECTIONS[:2])
def test_an_email_selected_subject_with_a_line_break_is_refused(
    app, manager_client, market, subject
):
    customer = AccountFactory(market=market)
    html = bulk(manager_client, "email_selected", [customer.id]).get_data(as_text=True)
    response = manager_client.post(
        "/admin/customers/bulk/email",
        data={
            "csrf_token": csrf_token_from(html),
            "rowid": [customer.id],
            "subject": subject,
            "message": "Keep me",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-subject">Keep the subject to one line, without line breaks.' in page
    assert ">Keep me</textarea>" in page
    assert db.session.scalar(select(Campaign)) is None


def test_the_campaign_service_refuses_before_anything_is_queued(app, market, manager):
    customer = AccountFactory(market=market)
    with pytest.raises(CampaignError) as refused:
        send_campaign_to_accounts(manager, market, [customer.id], INJECTIONS[0], "Hi")
    assert "subject" in refused.value.errors
    assert db.session.scalar(select(Campaign)) is None


@pytest.mark.parametrize(
    "field",
    ["subject", "sender_name", "header"],
)
def test_the_mail_layer_refuses_a_line_break_in_any_header(app, market, field):
    values = {"subject": "Hi", "sender_name": "Market", "header": "1"}
    values[field] = "x\r\nBcc: victim@evil.example"
    with app.test_request_context(), pytest.raises(MailHeaderError):
        market.mail_sender_name = values["sender_name"]
        build_message(
            "a@example.org",
            values["subject"],
            "text",
            headers={"X-LGAdmin-Market": values["header"]},
            market=market,
        )


def _save_settings(client, **mail):
    token = csrf_token_from(client.get(SETTINGS).get_data(as_text=True))
    data = {"csrf_token": token, "points_per_unit": "1", "point_value_cents": "1", **mail}
    return client.post(SETTINGS, data=data, follow_redirects=True)


def test_a_manager_sets_the_markets_sender_name_reply_to_and_unsubscribe_mailbox(
    manager_client, market
):
    page = manager_client.get(SETTINGS).get_data(as_text=True)
    assert "manager@athens.org" in page  # the default Reply-To: the market's managers
    response = _save_settings(
        manager_client,
        mail_sender_name="  Ferme «Bio» d’Athènes ",
        mail_reply_to="Orders@Athens.org",
        mail_unsubscribe_mailbox="leave@athens.org",
    )
    assert "Settings saved." in response.get_data(as_text=True)
    saved = fresh(Market, market.id)
    assert saved.mail_sender_name == "Ferme «Bio» d’Athènes"
    assert saved.mail_reply_to == "orders@athens.org"
    assert saved.mail_unsubscribe_mailbox == "leave@athens.org"


@pytest.mark.parametrize(
    "field,value,message",
    [
        (
            "mail_sender_name",
            "Athens\r\nBcc: victim@evil.example",
            "Write the sender name on one line, without line breaks.",
        ),
        ("mail_sender_name", "x" * 121, "Keep the sender name under 120 characters."),
        (
            "mail_reply_to",
            "not an address",
            "Enter the Reply-To as one email address, such as orders@example.org.",
        ),
        (
            "mail_reply_to",
            "a@athens.org\r\nBcc: victim@evil.example",
            "Enter the Reply-To as one email address, such as orders@example.org.",
        ),
        (
            "mail_unsubscribe_mailbox",
            "a@athens.org, b@athens.org",
            "Enter the unsubscribe mailbox as one email address, such as orders@example.org.",
        ),
    ],
)
def test_bad_mail_settings_are_refused_next_to_the_field_and_nothing_changes(
    manager_client, market, field, value, message
):
    response = _save_settings(manager_client, loyalty_enabled="y", **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'name="{field}"' in html and message in html
    saved = fresh(Market, market.id)
    assert (saved.mail_sender_name, saved.mail_reply_to, saved.loyalty_enabled) == ("", "", False)


def test_the_sending_address_defaults_to_the_platforms_domain(monkeypatch, tmp_path):
    from lgadmin.config import settings_from_environment

    monkeypatch.delenv("MAIL_DEFAULT_SENDER", raising=False)
    monkeypatch.setenv("LGADMIN_BASE_URL", "https://shop.platform.example/")
    settings = settings_from_environment(str(tmp_path))
    assert settings["MAIL_DEFAULT_SENDER"] == "noreply@shop.platform.example"
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Platform <mail@platform.example>")
    settings = settings_from_environment(str(tmp_path))
    assert settings["MAIL_DEFAULT_SENDER"] == "Platform <mail@platform.example>"


def test_a_tab_is_fine_in_a_subject_and_other_control_characters_are_not():
    from lgadmin.campaigns.service import check_campaign

    assert check_campaign("Tomatoes\tare in", "Hi") == {}
    assert check_campaign("Tomatoes\x00are in", "Hi") == {
        "subject": "Remove the control characters from the subject."
    }

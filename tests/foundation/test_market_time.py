"""Every date a market sees is its own local date, at the instants where UTC disagrees (issue 17).

At 00:36 UTC on 1 December it is still 30 November in New York: a comment, an export, the
timeline, an email and a membership check must all say 30 November there.
"""

import csv
import email
import email.policy
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lgadmin.accounts.comments import add_comment
from lgadmin.accounts.models import Account, Comment
from lgadmin.act_as.notify import send_help_notice
from lgadmin.act_as.service import end_act_as, start_act_as
from lgadmin.balance.service import adjust_balance
from lgadmin.deliverability.models import MailEventKind
from lgadmin.deliverability.providers import ReportedEvent
from lgadmin.deliverability.service import apply_mail_event
from lgadmin.deliverability.storage import store_reported_events
from lgadmin.extensions import db
from lgadmin.markets.models import Market
from lgadmin.membership.service import membership_status
from lgadmin.timeutil import (
    format_date,
    format_datetime,
    market_midnight_utc,
    market_today,
    to_market_time,
    utcnow,
)
from tests.factories import AccountFactory, MarketFactory

# 7:36 PM on 30 November in New York; 1:36 AM on 1 December in Paris.
EVENING_BEFORE = "2026-12-01T00:36:00Z"


@pytest.fixture
def late_evening(time_machine):
    time_machine.move_to(EVENING_BEFORE, tick=False)


def test_today_is_the_markets_own_date(late_evening):
    assert market_today("America/New_York") == date(2026, 11, 30)
    assert market_today("Europe/Paris") == date(2026, 12, 1)
    assert format_datetime(utcnow(), "America/New_York") == "11/30/2026, 7:36 PM"


def test_a_daylight_saving_night_keeps_local_days_whole(time_machine):
    # New York springs forward at 2:00 AM on 14 March 2027: 1:30 AM EST, then 3:30 AM EDT.
    time_machine.move_to("2027-03-14T06:30:00Z", tick=False)
    assert format_datetime(utcnow(), "America/New_York") == "3/14/2027, 1:30 AM"
    assert format_datetime(utcnow() + timedelta(hours=1), "America/New_York") == (
        "3/14/2027, 3:30 AM"
    )
    starts = market_midnight_utc(date(2027, 3, 14), "America/New_York")
    ends = market_midnight_utc(date(2027, 3, 15), "America/New_York")
    assert ends - starts == timedelta(hours=23)


def test_29_february_is_a_day_in_the_market_while_utc_is_in_march(time_machine):
    time_machine.move_to("2028-03-01T02:30:00Z", tick=False)
    assert market_today("America/New_York") == date(2028, 2, 29)
    assert format_date(utcnow(), "America/New_York") == "2/29/2028"


def test_an_unknown_zone_reads_as_utc_instead_of_failing():
    at = datetime(2026, 12, 1, 0, 36)
    assert to_market_time(at, "Mars/Olympus_Mons").utcoffset() == timedelta(0)
    assert format_datetime(at, "") == "12/1/2026, 12:36 AM"


def test_a_system_comment_is_dated_in_the_market(late_evening, market):
    shopper = AccountFactory(market=market, email="robin@example.org")
    (event_id,) = store_reported_events(
        "lgadmin",
        [
            ReportedEvent(
                provider_event_id="bounce-evening",
                kind=MailEventKind.HARD_BOUNCE,
                raw="{}",
                email="robin@example.org",
                reason="mailbox unavailable",
                market_id=market.id,
            )
        ],
    )
    db.session.commit()
    apply_mail_event(event_id)
    comment = db.session.scalars(
        db.select(Comment).where(Comment.account_id == shopper.id).order_by(Comment.id.desc())
    ).first()
    assert comment.body.startswith("Hard bounce on 11/30/2026, 7:36 PM.")


def test_comments_on_the_details_show_the_markets_date_and_time(
    late_evening, market, manager_client
):
    shopper = AccountFactory(market=market)
    add_comment(shopper, "Called about her order")
    db.session.commit()
    page = manager_client.get(f"/admin/customers/details/?id={shopper.id}").get_data(as_text=True)
    assert "11/30/2026, 7:36 PM" in page
    assert "12/1/2026" not in page


def test_the_export_dates_rows_and_names_the_file_by_the_markets_day(
    late_evening, market, manager_client
):
    AccountFactory(market=market, email="late@example.org", joined_at=utcnow())
    response = manager_client.get("/admin/customers/export/csv")
    assert response.status_code == 200
    assert "2026-11-30" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    (late,) = [row for row in rows if row["email"] == "late@example.org"]
    assert late["joined"] == "2026-11-30"


def test_the_timeline_shows_the_markets_date_and_time(late_evening, market, manager_client):
    shopper = AccountFactory(market=market)
    add_comment(shopper, "Timeline entry")
    manager = db.session.scalars(
        db.select(Account).where(Account.market_id == market.id, Account.is_manager)
    ).first()
    adjust_balance(shopper.market, shopper.id, 500, "cash", "", manager)
    db.session.commit()
    page = manager_client.get(f"/admin/customers/{shopper.id}/timeline").get_data(as_text=True)
    assert "11/30/2026, 7:36 PM" in page


def test_the_act_as_notice_is_dated_in_the_market(late_evening, app, market):
    manager = AccountFactory(market=market, manager=True)
    shopper = AccountFactory(market=market, email="sam@example.org")
    session = start_act_as(manager, shopper, "Helping at the desk")
    end_act_as(session, "ended")
    db.session.commit()
    outbox = Path(app.config["LGADMIN_OUTBOX"])
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    send_help_notice(session.id)
    (path,) = [p for p in outbox.glob("*.eml") if p not in before]
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    assert "11/30/2026, 7:36 PM" in body


def test_a_membership_ending_today_in_the_market_is_still_current(late_evening, market):
    shopper = AccountFactory(market=market, membership_expires_on=date(2026, 11, 30))
    assert shopper.is_member
    assert membership_status(shopper).summary == "Member until 11/30/2026"
    paris = MarketFactory(timezone="Europe/Paris")
    lapsed = AccountFactory(market=paris, membership_expires_on=date(2026, 11, 30))
    assert not lapsed.is_member


def test_a_market_with_an_unknown_zone_in_the_database_still_shows_its_pages(
    market, manager_client
):
    shopper = AccountFactory(market=market)
    add_comment(shopper, "Still readable")
    db.session.execute(
        db.update(Market).where(Market.id == market.id).values(timezone="Mars/Olympus_Mons")
    )
    db.session.commit()
    for path in (
        "/admin/",
        "/admin/customers/",
        f"/admin/customers/details/?id={shopper.id}",
        f"/admin/customers/{shopper.id}/timeline",
        "/admin/customers/export/csv",
        "/admin/audit-log/",
        "/admin/market-settings/",
    ):
        assert manager_client.get(path).status_code == 200, path


def test_mail_events_and_the_audit_log_show_the_markets_date_and_time(
    late_evening, market, manager_client
):
    from lgadmin.deliverability.models import MailEvent

    db.session.add(
        MailEvent(
            provider="mailgun",
            provider_event_id="evening-1",
            kind=MailEventKind.HARD_BOUNCE,
            email="robin@example.org",
            market_id=market.id,
            received_at=utcnow(),
            processed_at=utcnow(),
            raw="{}",
        )
    )
    db.session.commit()
    for path in ("/admin/mail-events/", "/admin/audit-log/"):
        page = manager_client.get(path).get_data(as_text=True)
        assert "11/30/2026, 7:36 PM" in page, path
        assert "2026-12-01 00:36" not in page, path


def test_the_grid_shows_the_markets_join_and_order_dates(late_evening, market, manager_client):
    shopper = AccountFactory(market=market, email="late@example.org", joined_at=utcnow())
    row = manager_client.get("/admin/customers/").get_data(as_text=True)
    row = row.split("late@example.org")[1].split("</tr>")[0]
    assert '<time datetime="2026-11-30">11/30/2026</time>' in row
    assert "12/1/2026" not in row
    assert shopper.joined_at.date() == date(2026, 12, 1)  # UTC's date is the next day


def test_an_aware_local_time_keeps_its_own_date():
    local = to_market_time(datetime(2026, 12, 1, 0, 36), "America/New_York")
    assert format_date(local) == "11/30/2026"

"""Faults: Redis unreachable, the SMTP server refusing, the database failing mid-request.

Redis "down" is a closed port on loopback (the real Redis is shared with other
runs); the SMTP server is a real aiosmtpd server that refuses every recipient;
a database failure is a DBAPI error raised from an engine event on the Nth
INSERT into a table, in the middle of the request's transaction.
"""

import io
import re
import socket
from contextlib import contextmanager
from decimal import Decimal

import pytest
from rq import SimpleWorker
from sqlalchemy import event, func, select

from lgadmin.accounts.models import Account
from lgadmin.act_as.models import ActAsSession
from lgadmin.audit.models import AuditEntry
from lgadmin.balance.models import LedgerAllocation, LedgerEntry
from lgadmin.extensions import db
from lgadmin.jobs import MAIL, queue
from lgadmin.mail_outbox import OutboxMail, OutboxStatus
from lgadmin.onboarding.models import ImportPreview, ImportStatus, Invitation
from lgadmin.orders.models import Order, PaymentChoice
from lgadmin.orders.service import place_order
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, ProductFactory
from tests.onboarding.helpers import post_form, visible_text
from tests.onboarding.test_invitations import _send

LIST = "/admin/customers/"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is


@pytest.fixture
def redis_down(app, monkeypatch):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    return url


class RefusingHandler:
    """An SMTP server that refuses every recipient for good (550)."""

    def __init__(self):
        self.refused = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.refused.append(address)
        return "550 5.1.1 Mailbox unavailable"


@pytest.fixture
def smtp_refusing(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_closed_port())
    controller.start()
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", controller.port)
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", None)
    yield handler
    controller.stop()


# -- Redis down ------------------------------------------------------------------------------


def send_outbox(app, *options) -> str:
    """What cron runs every minute: `flask lgadmin send-outbox`."""
    result = app.test_cli_runner().invoke(args=["lgadmin", "send-outbox", *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_with_redis_down_adding_a_customer_succeeds_and_the_welcome_email_waits_in_the_outbox(
    app, manager_client, market, mailbox, redis_down
):
    fields = {"first_name": "Wes", "last_name": "Welcome", "email": "wes@example.org"}
    response = post_form(manager_client, LIST, fields, post_path="/admin/customers/add")
    assert response.status_code == 200
    assert db.session.scalars(select(Account).filter_by(email="wes@example.org")).one()
    assert mailbox.to("wes@example.org") == []  # the request neither sent it nor dropped it
    text = visible_text(response.get_data(as_text=True))
    assert "mail queue is unreachable, so the welcome email waits in the outbox" in text
    # The cron sweep finds the queue still down and sends it itself.
    assert "1 outbox mail handed over or sent" in send_outbox(app)
    assert len(mailbox.to("wes@example.org")) == 1
    send_outbox(app)
    assert len(mailbox.to("wes@example.org")) == 1  # once


def test_with_redis_down_invitations_wait_and_the_manager_is_told(
    app, manager_client, market, mailbox, redis_down
):
    response = _send(manager_client, "a@example.org\nb@example.org", message="Hello")
    assert response.status_code == 302
    summary = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 invitations sent." in visible_text(summary)
    assert "wait in the outbox" in visible_text(summary)
    assert mailbox.messages() == []
    send_outbox(app)
    assert {m["To"] for m in mailbox.messages()} == {"a@example.org", "b@example.org"}
    db.session.expire_all()
    assert all(i.sent_at for i in db.session.scalars(select(Invitation)))


def test_with_redis_down_ending_act_as_still_tells_the_shopper(
    app, manager_client, market, mailbox, redis_down
):
    shopper = AccountFactory(market=market, email="sam@example.org")
    start = f"/admin/customers/{shopper.id}/act-as"
    assert post_form(manager_client, start, {"reason": "phone order"}).status_code == 302
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    ended = manager_client.post("/act-as/end", data={"csrf_token": token})
    assert ended.status_code == 302
    assert db.session.scalars(select(ActAsSession)).one().ended_at is not None
    page = manager_client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "You are back in your own account" in page
    assert "notice waits in the outbox" in visible_text(page)
    send_outbox(app)
    (notice,) = mailbox.to("sam@example.org")
    assert "helped with your account" in notice["Subject"]


def test_with_redis_down_a_forgotten_password_request_answers_and_the_link_follows(
    app, market, mailbox, redis_down
):
    AccountFactory(market=market, email="sam@example.org")
    shopper = app.test_client()
    response = post_form(shopper, "/m/athens/forgot-password", {"email": "sam@example.org"})
    assert response.status_code == 302
    assert mailbox.to("sam@example.org") == []
    send_outbox(app)
    assert len(mailbox.to("sam@example.org")) == 1


# -- the SMTP server refusing ------------------------------------------------------------------


def test_when_mail_cannot_be_sent_inline_the_manager_is_told_and_the_account_is_kept(
    manager_client, market, smtp_refusing
):
    fields = {"first_name": "Wes", "last_name": "Welcome", "email": "wes@example.org"}
    response = post_form(manager_client, LIST, fields, post_path="/admin/customers/add")
    assert response.status_code == 200
    assert smtp_refusing.refused == ["wes@example.org"]
    assert db.session.scalars(select(Account).filter_by(email="wes@example.org")).one()
    text = visible_text(response.get_data(as_text=True))
    assert "could not be sent" in text and "wes@example.org" in text


def test_invitations_the_smtp_server_refuses_are_reported_not_dropped(
    manager_client, market, smtp_refusing
):
    response = _send(manager_client, "a@example.org\nb@example.org")
    assert response.status_code == 302
    summary = visible_text(manager_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "2 emails could not be sent" in summary
    db.session.expire_all()
    assert [i.sent_at for i in db.session.scalars(select(Invitation))] == [None, None]


@pytest.mark.services
def test_with_a_worker_mail_refused_for_good_fails_at_once_with_its_reason(
    app, manager_client, market, smtp_refusing, monkeypatch, redis_url
):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-faults-test")
    q = queue(MAIL)
    q.empty()
    fields = {"first_name": "Wes", "last_name": "Welcome", "email": "wes@example.org"}
    assert (
        post_form(manager_client, LIST, fields, post_path="/admin/customers/add").status_code == 200
    )
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert smtp_refusing.refused == ["wes@example.org"]  # a 550 is not tried again
    db.session.expire_all()
    (row,) = db.session.scalars(select(OutboxMail)).all()
    assert row.status is OutboxStatus.FAILED
    assert "550" in row.last_error and "wes@example.org" in row.last_error
    q.empty()


def test_when_the_act_as_notice_cannot_be_sent_the_manager_is_told_and_the_session_ends(
    manager_client, market, smtp_refusing
):
    shopper = AccountFactory(market=market, email="sam@example.org")
    start = f"/admin/customers/{shopper.id}/act-as"
    assert post_form(manager_client, start, {"reason": "phone order"}).status_code == 302
    token = csrf_token_from(manager_client.get("/m/athens/account").get_data(as_text=True))
    ended = manager_client.post("/act-as/end", data={"csrf_token": token})
    assert ended.status_code == 302
    assert smtp_refusing.refused == ["sam@example.org"]
    assert db.session.scalars(select(ActAsSession)).one().ended_at is not None
    text = visible_text(manager_client.get(ended.headers["Location"]).get_data(as_text=True))
    assert "You are back in your own account" in text
    assert "could not be emailed" in text and "account page" in text


# -- the database failing in the middle ------------------------------------------------------


@contextmanager
def failing_insert(table: str, nth: int):
    """The `nth` INSERT into `table` fails as the database would (a DBAPI OperationalError)."""
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if re.match(rf"\s*INSERT INTO \"?{table}\"?\s", statement):
            seen.append(statement)
            if len(seen) == nth:
                raise conn.dialect.loaded_dbapi.OperationalError("injected: the disk is full")

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _count(model, **where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_database_error_in_the_middle_of_an_import_leaves_nothing_half_written(
    manager_client, market, mailbox
):
    rows = "".join(f"Ann{n},Lee,ann{n}@example.org\r\n" for n in range(5))
    data = {"file": (io.BytesIO(("first name,last name,email\r\n" + rows).encode()), "a.csv")}
    uploaded = post_form(
        manager_client,
        LIST,
        data,
        post_path="/admin/customers/import/",
        content_type="multipart/form-data",
    )
    preview_path = uploaded.headers["Location"]
    accounts_before, audit_before = _count(Account), _count(AuditEntry)
    with failing_insert("lgadmin_account", 3) as inserts:
        response = post_form(manager_client, preview_path, {})
    assert len(inserts) == 3
    assert response.status_code == 302
    assert _count(Account) == accounts_before  # not the first two rows either
    assert _count(AuditEntry) == audit_before
    assert db.session.scalars(select(ImportPreview)).one().status == ImportStatus.PREVIEW
    assert mailbox.messages() == []
    page = manager_client.get(preview_path).get_data(as_text=True)
    assert "nothing was imported" in visible_text(page).lower()

    # The same preview imports whole once the database is well again.
    assert post_form(manager_client, preview_path, {}).status_code == 302
    assert _count(Account) == accounts_before + 5
    assert len(mailbox.messages()) == 5


def test_a_database_error_in_the_middle_of_a_balance_adjustment_changes_nothing(
    manager_client, market, manager
):
    shopper = AccountFactory(market=market)
    product = ProductFactory(grower__account__market=market, price_cents=1000)
    place_order(shopper, [(product, Decimal(1))], PaymentChoice.PAY_AT_PICKUP)
    db.session.commit()
    details = f"/admin/customers/details/?id={shopper.id}"
    form = {"amount": "25.00", "reason": "cash", "apply_to_open_orders": "y"}
    with failing_insert("lgadmin_audit_entry", 1) as inserts:
        response = post_form(
            manager_client, details, form, post_path=f"/admin/customers/{shopper.id}/adjust-balance"
        )
    assert len(inserts) == 1  # the ledger row and the allocation were written before it
    assert response.status_code == 400
    assert "nothing was changed" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Account, shopper.id).balance_cents == -1000
    assert _count(LedgerEntry, account_id=shopper.id) == 1  # the order's own row
    assert _count(LedgerAllocation) == 0
    order = db.session.scalars(select(Order)).one()
    assert order.amount_due_cents == 1000 and order.paid_at is None

    response = post_form(
        manager_client, details, form, post_path=f"/admin/customers/{shopper.id}/adjust-balance"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Account, shopper.id).balance_cents == 1500

"""The mail outbox against real services (issue 24): an aiosmtpd server that is busy for a
while, one that refuses one address for good, and a throw-away redis-server killed in the
middle of a campaign. Every mail is a row first; nothing is lost or sent twice."""

import contextlib
import email
import email.policy
import shutil
import socket
import subprocess
import threading
import time
from datetime import UTC

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy import select

from lgadmin.campaigns import service as campaigns
from lgadmin.campaigns.models import CampaignRecipient, RecipientStatus
from lgadmin.campaigns.service import send_campaign_to_accounts
from lgadmin.extensions import db
from lgadmin.jobs import queue
from lgadmin.mail_outbox import (
    BACK_OFF,
    UNTAKEN_AFTER,
    OutboxMail,
    OutboxStatus,
    add_mail,
    sweep_outbox,
)
from lgadmin.onboarding.emails import send_password_reset
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, SuperuserFactory
from tests.onboarding.helpers import post_form, visible_text
from tests.onboarding.test_invitations import _send


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Answers 451 to every recipient `busy_for` times, then accepts; `gone` gets 550."""

    def __init__(self, busy_for: int = 0, gone=(), on_message=None):
        self.busy_for = busy_for
        self.gone = set(gone)
        self.on_message = on_message
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.gone:
            return "550 5.1.1 No such user"
        if self.busy_for > 0:
            self.busy_for -= 1
            return "451 4.3.2 Busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        if self.on_message:
            self.on_message(len(self.messages))
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return sorted(m["To"] for m in self.messages)


@pytest.fixture
def smtp_server(app, monkeypatch):
    started = []

    def start(**options) -> Server:
        handler = Server(**options)
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        state = app.extensions["mail"]
        monkeypatch.setattr(state, "server", "127.0.0.1")
        monkeypatch.setattr(state, "port", controller.port)
        monkeypatch.setattr(state, "suppress", False)
        monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", None)
        monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://market.example.org")
        return handler

    yield start
    for controller in started:
        controller.stop()


def _later(time_machine, delta):
    time_machine.move_to(utcnow().replace(tzinfo=UTC) + delta, tick=True)


def _rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


@pytest.fixture
def athens():
    market = MarketFactory(name="Athens Locally Grown", slug="athens")
    manager = AccountFactory(market=market, manager=True, email="maria@athens.org")
    db.session.commit()
    return market, manager


def test_a_server_busy_for_a_while_gets_every_kind_of_mail_once_it_accepts(
    app, athens, smtp_server, signed_in, time_machine
):
    market, manager = athens
    server = smtp_server(busy_for=6)
    shoppers = [AccountFactory(market=market, email=f"s{n}@x.org") for n in range(3)]
    AccountFactory(market=market, email="forgetful@x.org")
    db.session.commit()
    client = signed_in(manager)
    fields = {"first_name": "Wes", "last_name": "Welcome", "email": "wes@x.org"}
    post_form(client, "/admin/customers/", fields, post_path="/admin/customers/add")
    _send(client, "invited@x.org", message="Come along")
    post_form(app.test_client(), "/m/athens/forgot-password", {"email": "forgetful@x.org"})
    campaign = send_campaign_to_accounts(
        manager, market, [s.id for s in shoppers], "Spring news", "Hello"
    )
    assert server.messages == []  # every first try met a busy server
    assert all(row.status is OutboxStatus.PENDING for row in _rows())
    assert all("451" in row.last_error for row in _rows())

    for _ in range(3):  # cron's sweep, once each back-off has passed
        _later(time_machine, BACK_OFF[-1])
        sweep_outbox()
    assert server.to() == sorted(
        ["wes@x.org", "invited@x.org", "forgetful@x.org", "s0@x.org", "s1@x.org", "s2@x.org"]
    )
    assert {row.status for row in _rows()} == {OutboxStatus.SENT}
    db.session.refresh(campaign)
    assert campaign.finished_at is not None
    assert sweep_outbox() == 0


def test_a_550_for_one_recipient_fails_that_one_with_its_reason_and_the_rest_go(
    app, athens, smtp_server
):
    market, manager = athens
    server = smtp_server(gone={"gone@x.org"})
    ids = [AccountFactory(market=market, email=a).id for a in ("a@x.org", "gone@x.org", "b@x.org")]
    db.session.commit()
    campaign = send_campaign_to_accounts(manager, market, ids, "Spring news", "Hello")
    assert server.to() == ["a@x.org", "b@x.org"]
    db.session.expire_all()
    recipients = {r.email: r for r in db.session.scalars(select(CampaignRecipient))}
    assert recipients["gone@x.org"].status is RecipientStatus.FAILED
    assert "550 5.1.1 No such user" in recipients["gone@x.org"].reason
    db.session.refresh(campaign)
    assert campaign.finished_at is not None


def test_a_mail_refused_for_good_is_shown_on_the_outbox_and_a_superuser_sends_it_again(
    app, athens, smtp_server
):
    market, manager = athens
    server = smtp_server(gone={"sam@x.org"})
    AccountFactory(market=market, email="sam@x.org")
    db.session.commit()
    post_form(app.test_client(), "/m/athens/forgot-password", {"email": "sam@x.org"})
    (row,) = _rows()
    assert row.status is OutboxStatus.FAILED and "550" in row.last_error

    manager_client = app.test_client()
    sign_in(manager_client, manager)
    assert manager_client.get("/admin/outbox/").status_code == 403
    staff = app.test_client()
    sign_in(staff, SuperuserFactory())
    page = staff.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert "sam@x.org" in page and "550 5.1.1 No such user" in visible_text(page)

    server.gone.clear()  # the address was fixed at the other end
    token = csrf_token_from(page)
    answer = staff.post(f"/admin/outbox/mail/{row.id}/retry", data={"csrf_token": token})
    assert answer.status_code == 302
    assert server.to() == ["sam@x.org"]
    assert _rows()[0].status is OutboxStatus.SENT
    again = staff.post(f"/admin/outbox/mail/{row.id}/retry", data={"csrf_token": token})
    assert "not failed" in visible_text(staff.get(again.headers["Location"]).get_data(True))
    assert server.to() == ["sam@x.org"]


def test_a_mail_whose_change_rolls_back_is_never_sent(app, athens, smtp_server):
    market, _ = athens
    server = smtp_server()
    AccountFactory(market=market, email="sam@x.org")
    db.session.commit()
    add_mail(send_password_reset, market.id, "sam@x.org", "")
    db.session.rollback()
    assert _rows() == [] and server.messages == []


def test_a_mail_sent_again_after_its_worker_died_keeps_its_message_id(
    app, athens, smtp_server, time_machine
):
    market, _ = athens
    server = smtp_server()
    AccountFactory(market=market, email="sam@x.org")
    db.session.commit()
    add_mail(send_password_reset, market.id, "sam@x.org", "")
    db.session.commit()
    (row,) = _rows()
    # The worker sent it and died before writing so down: the row is still its.
    row.status, row.claimed_at = OutboxStatus.SENDING, row.sent_at
    db.session.commit()
    assert sweep_outbox() == 0  # it may still be working
    _later(time_machine, UNTAKEN_AFTER)
    assert sweep_outbox() == 1
    first, second = server.messages
    assert first["Message-ID"] == second["Message-ID"]  # the same mail, recognisably


# -- Redis killed in the middle of a campaign ---------------------------------------------------


@pytest.fixture
def throwaway_redis():
    """A redis-server of this test's own, without persistence: killed, it forgets every job."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server not installed")
    port = _free_port()
    processes = []

    def start():
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        processes.append(process)
        probe = Redis(port=port)
        for _ in range(100):
            try:
                probe.ping()
                return
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill():
        processes[-1].kill()
        processes[-1].wait()

    start()
    yield f"redis://127.0.0.1:{port}/0", kill, start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_redis_killed_during_a_campaign_and_restarted_mails_every_recipient_exactly_once(
    app, athens, smtp_server, throwaway_redis, monkeypatch, time_machine
):
    market, manager = athens
    url, kill_redis, start_redis = throwaway_redis
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-outbox-kill")
    monkeypatch.setattr(campaigns, "BATCH", 3)  # 12 recipients: four batches, four jobs
    killed = []

    def kill_on_third(count):
        if count == 3 and not killed:
            killed.append(True)
            kill_redis()  # while the worker is sending the first batch; back, empty, at once
            restart = threading.Thread(target=start_redis)
            restart.start()
            killed.append(restart)

    server = smtp_server(on_message=kill_on_third)
    ids = [AccountFactory(market=market, email=f"c{n:02}@x.org").id for n in range(12)]
    db.session.commit()
    campaign = send_campaign_to_accounts(manager, market, ids, "Spring news", "Hello")
    jobs = queue()
    assert jobs.count == 4
    with contextlib.suppress(RedisError):  # the worker lost its queue under it
        SimpleWorker([jobs], connection=jobs.connection).work(burst=True)
    killed[1].join()
    assert len(server.messages) == 3  # the first batch went out; the other jobs are lost
    jobs = queue()
    assert jobs.count == 0  # Redis came back empty

    _later(time_machine, UNTAKEN_AFTER)
    assert sweep_outbox() == 3  # the batches nobody took
    SimpleWorker([jobs], connection=jobs.connection).work(burst=True)
    assert server.to() == [f"c{n:02}@x.org" for n in range(12)]  # each exactly once
    db.session.refresh(campaign)
    assert campaign.finished_at is not None
    assert {row.status for row in _rows()} == {OutboxStatus.SENT}

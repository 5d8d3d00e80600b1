"""A mail server's temporary refusal (4xx) is retried for campaigns too; 5xx is final (issue 24)."""

import email
import email.policy
from datetime import UTC, timedelta

import pytest
from aiosmtpd.controller import Controller
from rq import SimpleWorker

from lgadmin.campaigns.models import CampaignRecipient, RecipientStatus
from lgadmin.campaigns.service import send_campaign_to_accounts
from lgadmin.extensions import db
from lgadmin.jobs import queue
from lgadmin.mail_outbox import BACK_OFF, MAX_ATTEMPTS, sweep_outbox
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, MarketFactory
from tests.onboarding.test_mail_delivery import _free_port


class Handler:
    """Accepts mail, except: `busy` gets 451 for its first `busy_times` tries, `gone` 550."""

    def __init__(self, busy_times: int):
        self.busy_times = busy_times
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "busy@x.org" and self.busy_times > 0:
            self.busy_times -= 1
            return "451 4.2.1 Mailbox busy, try again later"
        if address == "gone@x.org":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def sent_to(self) -> list[str]:
        return sorted(m["To"] for m in self.messages)


def _smtp(app, monkeypatch, busy_times: int) -> Handler:
    handler = Handler(busy_times)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", controller.port)
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", None)
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://market.example.org")
    handler.stop = controller.stop
    return handler


@pytest.fixture
def people():
    market = MarketFactory(name="Athens Locally Grown", slug="athens")
    manager = AccountFactory(market=market, manager=True)
    shoppers = [
        AccountFactory(market=market, email=address)
        for address in ("ok@x.org", "busy@x.org", "gone@x.org")
    ]
    db.session.commit()
    return manager, market, [s.id for s in shoppers]


def _statuses(campaign) -> dict[str, tuple[RecipientStatus, str]]:
    db.session.expire_all()
    rows = db.session.query(CampaignRecipient).filter_by(campaign_id=campaign.id)
    return {r.email: (r.status, r.reason) for r in rows}


def _after_back_off(time_machine):
    """The longest back-off has passed: the next sweep sends what waited."""
    time_machine.move_to(
        utcnow().replace(tzinfo=UTC) + BACK_OFF[-1] + timedelta(seconds=1), tick=True
    )


def test_a_451_is_retried_after_back_off_and_a_550_fails_with_its_reason(
    app, monkeypatch, redis_url, people, time_machine
):
    manager, market, ids = people
    smtp = _smtp(app, monkeypatch, busy_times=1)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-test-refusals")
    jobs = queue()
    jobs.empty()
    try:
        campaign = send_campaign_to_accounts(manager, market, ids, "Spring news", "Hello")
        SimpleWorker([jobs], connection=jobs.connection).work(burst=True)
        statuses = _statuses(campaign)
        assert statuses["ok@x.org"][0] is RecipientStatus.SENT
        assert statuses["gone@x.org"][0] is RecipientStatus.FAILED
        assert "550 5.1.1 No such user" in statuses["gone@x.org"][1]
        assert statuses["busy@x.org"][0] is RecipientStatus.QUEUED
        assert "Refused for now" in statuses["busy@x.org"][1]
        db.session.refresh(campaign)
        assert campaign.finished_at is None  # not finished while someone waits for a retry
        _after_back_off(time_machine)
        assert sweep_outbox() == 1  # the campaign's batch, back to the queue
        SimpleWorker([jobs], connection=jobs.connection).work(burst=True)
        assert _statuses(campaign)["busy@x.org"][0] is RecipientStatus.SENT
        assert smtp.sent_to() == ["busy@x.org", "ok@x.org"]  # each once, none twice
        db.session.refresh(campaign)
        assert campaign.finished_at is not None
    finally:
        jobs.empty()
        smtp.stop()


def test_without_a_queue_a_451_waits_for_the_cron_sweep_and_then_goes_out(
    app, monkeypatch, people, time_machine
):
    manager, market, ids = people
    smtp = _smtp(app, monkeypatch, busy_times=2)
    try:
        campaign = send_campaign_to_accounts(manager, market, ids, "Spring news", "Hello")
        statuses = _statuses(campaign)
        assert statuses["ok@x.org"][0] is RecipientStatus.SENT
        assert statuses["gone@x.org"][0] is RecipientStatus.FAILED
        assert statuses["busy@x.org"][0] is RecipientStatus.QUEUED  # temporary is temporary
        for _ in range(2):
            _after_back_off(time_machine)
            sweep_outbox()
        assert _statuses(campaign)["busy@x.org"][0] is RecipientStatus.SENT
        db.session.refresh(campaign)
        assert campaign.finished_at is not None
        assert smtp.sent_to() == ["busy@x.org", "ok@x.org"]
    finally:
        smtp.stop()


def test_a_server_that_keeps_refusing_fails_the_recipient_after_the_last_try(
    app, monkeypatch, people, time_machine
):
    manager, market, ids = people
    smtp = _smtp(app, monkeypatch, busy_times=99)
    try:
        campaign = send_campaign_to_accounts(manager, market, ids, "Spring news", "Hello")
        for _ in range(MAX_ATTEMPTS - 1):
            db.session.refresh(campaign)
            assert campaign.finished_at is None
            _after_back_off(time_machine)
            sweep_outbox()
        statuses = _statuses(campaign)
        assert statuses["ok@x.org"][0] is RecipientStatus.SENT
        assert statuses["busy@x.org"][0] is RecipientStatus.FAILED
        assert "kept refusing" in statuses["busy@x.org"][1] and "451" in statuses["busy@x.org"][1]
        db.session.refresh(campaign)
        assert campaign.finished_at is not None
        assert smtp.sent_to() == ["ok@x.org"]
        assert sweep_outbox() == 0  # nothing is left to try
    finally:
        smtp.stop()

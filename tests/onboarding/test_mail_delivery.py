"""Real mail and real jobs: an SMTP server on loopback (aiosmtpd) and an rq worker on Redis."""

import email
import email.policy
import socket
from datetime import UTC, timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from lgadmin.extensions import db
from lgadmin.jobs import MAIL, queue
from lgadmin.mail_outbox import OutboxMail, OutboxStatus, sweep_outbox
from lgadmin.timeutil import utcnow
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory
from tests.onboarding.helpers import link_in, local_path, post_form
from tests.onboarding.test_invitations import _form_fields, _send

pytestmark = pytest.mark.services


class RecordingHandler:
    """Accepts everything, except that `flaky` addresses are refused (451) the first time."""

    def __init__(self, flaky=()):
        self.flaky = set(flaky)
        self.refused = []
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.flaky:
            self.flaky.discard(address)
            self.refused.append(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = RecordingHandler(flaky={"flaky@example.org"})
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    # Flask-Mail read its settings when the app was made (and TESTING suppresses sending).
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", controller.port)
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", None)
    yield handler
    controller.stop()


@pytest.fixture
def jobs(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-onboarding-test")
    q = queue(MAIL)
    q.empty()
    for registry in (q.scheduled_job_registry, q.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    yield q
    q.empty()


def work(q):
    SimpleWorker([q], connection=q.connection).work(burst=True)


def test_a_worker_sends_through_smtp_and_a_refused_send_is_retried_after_its_back_off(
    app, signed_in, smtp, jobs, time_machine
):
    manager = AccountFactory(manager=True, market__name="Athens Locally Grown")
    client = signed_in(manager)
    post_form(
        client,
        "/admin/customers/",
        {"first_name": "Wes", "last_name": "Welcome", "email": "wes@example.org"},
        post_path="/admin/customers/add",
    )
    _send(client, "a@example.org\nflaky@example.org\nb@example.org", message="Hi!")
    assert smtp.messages == []  # nothing is sent by the request itself
    assert jobs.count == 4

    work(jobs)
    assert sorted(m["To"] for m in smtp.messages) == [
        "a@example.org",
        "b@example.org",
        "wes@example.org",
    ]
    assert smtp.refused == ["flaky@example.org"]
    # The refused invitation waits in the outbox for its back-off, saying why.
    (waiting,) = db.session.scalars(
        select(OutboxMail).where(OutboxMail.status == OutboxStatus.PENDING)
    ).all()
    assert "451" in waiting.last_error and waiting.attempts == 1
    assert waiting.next_attempt_at - utcnow() <= timedelta(seconds=10)
    first_id = waiting.message_seed

    # The back-off has passed: the sweep hands it to the queue again.
    time_machine.move_to(utcnow().replace(tzinfo=UTC) + timedelta(seconds=15), tick=True)
    assert sweep_outbox() == 1
    work(jobs)
    assert [m["To"] for m in smtp.to("flaky@example.org")] == ["flaky@example.org"]
    assert jobs.failed_job_registry.count == 0
    db.session.expire_all()
    assert db.session.get(OutboxMail, waiting.id).status is OutboxStatus.SENT
    assert first_id in smtp.to("flaky@example.org")[0]["Message-ID"]

    invitation = smtp.to("flaky@example.org")[0]
    assert invitation["Subject"] == "You're invited to shop at Athens Locally Grown"
    assert invitation["X-LGAdmin-Market"] == str(manager.market_id)
    signup = app.test_client().get(local_path(link_in(invitation, "/signup?invitation=")))
    assert 'value="flaky@example.org"' in signup.get_data(as_text=True)

    # The welcome email that came through SMTP sets a password that signs in.
    (welcome,) = smtp.to("wes@example.org")
    path = local_path(link_in(welcome, "/set-password/"))
    shopper = app.test_client()
    token = csrf_token_from(shopper.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "password": "Radishes5", "confirm": "Radishes5"}
    assert shopper.post(path, data=data).status_code == 302
    from lgadmin.onboarding.service import account_by_email

    account = account_by_email(manager.market, "wes@example.org")
    assert sign_in(shopper, account, password="Radishes5").status_code == 302


def test_inviting_200_people_answers_before_sending_and_a_worker_sends_them(signed_in, smtp, jobs):
    client = signed_in(AccountFactory(manager=True))
    addresses = "\n".join(f"person{n}@example.org" for n in range(200))
    window = client.get(
        "/admin/customers/add-window", headers={"X-Requested-With": "XMLHttpRequest"}
    )
    fields = _form_fields(window.get_data(as_text=True))
    response = _send(client, addresses, message="Come and see us.", fields=fields)
    assert response.status_code == 302
    # The request only queued them (how fast it answers: benchmarks, not this test).
    assert jobs.count == 200 and smtp.messages == []
    work(jobs)
    assert len(smtp.messages) == 200
    assert len({m["To"] for m in smtp.messages}) == 200

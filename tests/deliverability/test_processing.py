"""Stored first, processed by a job: retried when it fails, never lost, never applied twice."""

import threading

from rq import SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from lgadmin.accounts.models import Account, Comment
from lgadmin.deliverability import service
from lgadmin.deliverability.models import MailEvent
from lgadmin.extensions import db
from lgadmin.jobs import WEBHOOKS, queue
from tests.deliverability.payloads import (
    mailgun_body,
    mailgun_event,
    metadata,
    post_mailgun,
    post_postmark,
    postmark_bounce,
)
from tests.factories import AccountFactory


def _comment_count(account) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(Comment).where(Comment.account_id == account.id)
    return db.session.scalar(query)


def _event() -> MailEvent:
    db.session.expire_all()
    return db.session.scalars(select(MailEvent)).one()


def _fail_once(monkeypatch):
    real = service.add_comment
    calls = []

    def flaky(account, body, **kwargs):
        calls.append(body)
        if len(calls) == 1:
            raise ConnectionError("database went away mid-job")
        return real(account, body, **kwargs)

    monkeypatch.setattr(service, "add_comment", flaky)


def test_with_redis_the_webhook_answers_before_a_worker_applies_the_event(
    app, client, monkeypatch, redis_url
):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-deliverability-test")
    shopper = AccountFactory()
    with app.test_request_context():
        q = queue(WEBHOOKS)
    q.empty()
    assert (
        post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper))).status_code
        == 200
    )
    assert _event().processed_at is None and _comment_count(shopper) == 0
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert _event().processed_at is not None and _comment_count(shopper) == 1


def test_a_failed_job_is_retried_and_applied_once(app, client, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-deliverability-test")
    shopper = AccountFactory()
    with app.test_request_context():
        q = queue(WEBHOOKS)
    q.empty()
    _fail_once(monkeypatch)
    post_mailgun(client, mailgun_body(mailgun_event(shopper.email, meta=metadata(shopper))))
    worker = SimpleWorker([q], connection=q.connection)
    worker.work(burst=True)
    # The failure rolled everything back; rq holds the job for a retry.
    assert _event().processed_at is None and _comment_count(shopper) == 0
    registry = ScheduledJobRegistry(queue=q)
    job_ids = registry.get_job_ids()
    assert len(job_ids) == 1
    job = Job.fetch(job_ids[0], connection=q.connection)
    registry.remove(job)
    q.enqueue_job(job)  # the retry's time has come
    worker.work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert _event().processed_at is not None and _comment_count(shopper) == 1
    # Running it yet again (a duplicate job) changes nothing.
    assert service.apply_mail_event(_event().id) is False
    assert _comment_count(shopper) == 1


def test_without_redis_a_failure_still_answers_200_and_the_catch_up_applies_it(
    app, client, monkeypatch
):
    shopper = AccountFactory()
    _fail_once(monkeypatch)
    response = post_postmark(client, postmark_bounce(shopper.email, meta=metadata(shopper)))
    assert response.status_code == 200
    assert _event().processed_at is None and _comment_count(shopper) == 0
    result = app.test_cli_runner().invoke(args=["lgadmin", "process-mail-events"])
    assert "1 mail events applied" in result.output
    assert _event().processed_at is not None and _comment_count(shopper) == 1
    result = app.test_cli_runner().invoke(args=["lgadmin", "process-mail-events"])
    assert "0 mail events applied" in result.output and _comment_count(shopper) == 1


def _in_threads(app, target, count=4):
    errors = []

    def run():
        with app.app_context():
            try:
                target()
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_jobs_for_one_event_apply_it_once(app, postgres_url):
    shopper = AccountFactory()
    event = MailEvent(
        provider="postmark",
        provider_event_id="bounce:1",
        kind="hard_bounce",
        email=shopper.email,
        reason="mailbox full",
        market_id=shopper.market_id,
        account_id=shopper.id,
        raw="{}",
    )
    db.session.add(event)
    db.session.commit()
    event_id = event.id  # read here: the threads must not touch this session's objects
    _in_threads(app, lambda: service.apply_mail_event(event_id))
    assert _comment_count(shopper) == 1
    assert db.session.get(Account, shopper.id).email_bounced_at is not None


def test_concurrent_duplicate_webhooks_store_one_event_without_a_500(app, postgres_url):
    shopper = AccountFactory()
    body = postmark_bounce(shopper.email, meta=metadata(shopper))
    statuses = []
    _in_threads(app, lambda: statuses.append(post_postmark(app.test_client(), body).status_code), 6)
    assert statuses == [200] * 6
    assert _event().processed_at is not None and _comment_count(shopper) == 1

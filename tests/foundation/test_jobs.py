"""enqueue(): inline without Redis, a real rq worker with it; the same function either way."""

from rq import SimpleWorker

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.jobs import enqueue, queue


def record_audit(action: str) -> None:
    db.session.add(AuditEntry(action=action, summary="written by a job"))
    db.session.commit()


def _actions():
    db.session.expire_all()
    return [entry.action for entry in db.session.query(AuditEntry)]


def test_without_redis_a_job_runs_inline(app):
    assert enqueue(record_audit, "inline-job") is None
    assert _actions() == ["inline-job"]


def test_with_redis_a_real_worker_runs_the_job(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", "lgadmin-test")
    q = queue()
    q.empty()
    job = enqueue(record_audit, "queued-job")
    assert job is not None and _actions() == []
    SimpleWorker([q], connection=q.connection).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert _actions() == ["queued-job"]

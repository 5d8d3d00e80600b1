"""enqueue(): inline without Redis, a real rq worker with it; the same function either way."""

from rq import SimpleWorker

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.jobs import enqueue, enqueue_after_commit, queue


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


def test_a_job_waits_for_the_outermost_commit_and_goes_with_its_savepoint(app):
    """enqueue_after_commit: a released savepoint is no commit, a rolled-back one takes only
    its own jobs, and a transaction that ends without a commit sends none."""
    with app.app_context():
        enqueue_after_commit(record_audit, "kept")
        savepoint = db.session.begin_nested()
        enqueue_after_commit(record_audit, "rolled back")
        savepoint.rollback()
        with db.session.begin_nested():
            enqueue_after_commit(record_audit, "released")
        assert _actions() == []  # nothing ran when the savepoints ended
        db.session.commit()
        assert sorted(_actions()) == ["kept", "released"]

        enqueue_after_commit(record_audit, "never committed")
        db.session.rollback()
        db.session.commit()
        assert sorted(_actions()) == ["kept", "released"]

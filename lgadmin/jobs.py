"""enqueue(): background work through rq when REDIS_URL is set, inline otherwise.

Both paths call the same function through run_in_app, so a job behaves the same
in the embedded default, in tests and under a worker (`flask lgadmin worker`).

Each kind of job has its queue, and a worker takes them in order of urgency (QUEUE_KINDS):
mail a person is waiting for, then provider webhooks, then bulk work (campaign batches and
anything not classified), so a welcome mail never waits behind a backlog of webhooks.
"""

import importlib
import os

from flask import current_app, g, has_app_context, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import begun_within, db

_worker_app = None


# Kinds of job, most urgent first: the order a worker listens to their queues in.
MAIL = "mail"  # one message someone waits for: a welcome, a sign-in link, a password reset
WEBHOOKS = "webhooks"  # events a provider posted (bounces, complaints, unsubscribes)
BULK = "bulk"  # campaign batches, calls to Stripe, and any job not given a kind
QUEUE_KINDS = (MAIL, WEBHOOKS, BULK)

_connections: dict[tuple[str, float], Redis] = {}


def redis_connection(url: str | None = None, timeout: float | None = None) -> Redis | None:
    """The Redis client of this process for `url` (default: REDIS_URL), or None without one.

    Its sockets give up after LGADMIN_REDIS_TIMEOUT seconds, so a frozen Redis costs a request
    about that long (the job then runs inline) rather than the minutes of a TCP timeout."""
    url = url or current_app.config.get("REDIS_URL")
    if not url:
        return None
    if timeout is None:
        timeout = current_app.config.get("LGADMIN_REDIS_TIMEOUT", 1.0)
    # One client (and connection pool) per URL and process: a new one per call costs a TCP
    # connect for every enqueue. redis-py's pool notices a fork and reconnects in the child.
    key = (url, timeout)
    if key not in _connections:
        _connections[key] = Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout
        )
    return _connections[key]


def queue_name(base: str, kind: str) -> str:
    return f"{base}:{kind}"


def queue_names(base: str) -> list[str]:
    """Every queue a worker takes jobs from, most urgent first; the last, `base` itself,
    holds what was queued before jobs had kinds."""
    return [queue_name(base, kind) for kind in QUEUE_KINDS] + [base]


def queue(kind: str = BULK) -> Queue | None:
    conn = redis_connection()
    if conn is None:
        return None
    if kind not in QUEUE_KINDS:
        raise ValueError(f"no queue for jobs of kind {kind!r}; one of {', '.join(QUEUE_KINDS)}")
    return Queue(queue_name(current_app.config["LGADMIN_QUEUE"], kind), connection=conn)


def enqueue(func, *args, retries: int = 3, kind: str = BULK, timeout: int | None = None, **kwargs):
    """Run `func(*args, **kwargs)` as a job on the queue of its `kind`; returns the rq Job,
    or None when run inline.

    `timeout`: seconds the worker lets the job run (rq's default, 180 s, when None)."""
    q = queue(kind)
    path = f"{func.__module__}:{func.__qualname__}"
    if q is None:
        run_in_app(path, args, kwargs)
        return None
    retry = Retry(max=retries, interval=[10, 60, 300][:retries]) if retries else None
    try:
        return q.enqueue(run_in_app, path, args, kwargs, retry=retry, job_timeout=timeout)
    except RedisError as error:
        _queue_unreachable(error)
    run_in_app(path, args, kwargs)
    return None


COMMITTED = "lgadmin_jobs_committed"
AFTER_COMMIT = "lgadmin_after_commit"


def enqueue_after_commit(func, *args, **kwargs) -> None:
    """Enqueue `func` once the current transaction commits, and never if it rolls back.

    For work outside the database (a call to Stripe) that must not happen for a change that
    did not land."""
    _after_commit(enqueue, func, args, kwargs)


def call_after_commit(func, *args) -> None:
    """Call `func(*args)` in this process once the current transaction commits, never if it
    rolls back: for a caller that hands its work to the queue its own way (the mail outbox)."""
    _after_commit(_call, func, args, {})


def _call(func, *args, **kwargs):
    return func(*args, **kwargs)


def _after_commit(runner, func, args, kwargs) -> None:
    session = db.session()
    # The innermost transaction: a savepoint rolled back takes its jobs with it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(AFTER_COMMIT, []).append((transaction, runner, func, args, kwargs))


@event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    # Fires for a savepoint released too: only the outermost commit makes the change land.
    if AFTER_COMMIT in session.info and not session.in_nested_transaction():
        session.info[COMMITTED] = True


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction) -> None:
    pending = session.info.get(AFTER_COMMIT)
    if pending:
        pending[:] = [job for job in pending if not begun_within(job[0], previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _enqueue_committed(session, transaction) -> None:
    """At the end of the outermost transaction: enqueue what it committed, forget the rest.

    After the end rather than in after_commit, so a job run inline may use the session."""
    if transaction.parent is not None:
        return
    pending = session.info.pop(AFTER_COMMIT, [])
    if not session.info.pop(COMMITTED, False):
        return
    for _transaction, runner, func, args, kwargs in pending:
        try:
            runner(func, *args, **kwargs)
        except Exception:  # the commit stands; an inline job that failed is only logged
            current_app.logger.exception("after-commit job %s failed", func.__qualname__)


def enqueue_many(func, arg_lists, retries: int = 3, on_error=None, kind: str = BULK) -> int:
    """One job per argument tuple, on the queue of `kind`, sent to Redis in one pipeline;
    inline without Redis.

    Inline, a failing call goes to `on_error(args, exception)` when given (so
    it doesn't stop the calls after it), else it is raised. Returns the count.
    """
    arg_lists = [tuple(args) for args in arg_lists]
    path = f"{func.__module__}:{func.__qualname__}"
    q = queue(kind)
    if q is not None:
        retry = Retry(max=retries, interval=[10, 60, 300][:retries]) if retries else None
        try:
            jobs = [Queue.prepare_data(run_in_app, (path, a, {}), retry=retry) for a in arg_lists]
            q.enqueue_many(jobs)
            return len(arg_lists)
        except RedisError as error:
            _queue_unreachable(error)
    for args in arg_lists:
        try:
            run_in_app(path, args, {})
        except Exception as error:
            if on_error is None:
                raise
            on_error(args, error)
    return len(arg_lists)


def _queue_unreachable(error: Exception) -> None:
    """Redis is set but down: the jobs run now, in this process, rather than being lost.

    The request can tell its user (ran_inline()); the log says why.
    """
    current_app.logger.warning("lgadmin: the job queue is unreachable (%s); running inline", error)
    if has_request_context():
        g.lgadmin_jobs_ran_inline = True


def ran_inline() -> bool:
    """Whether this request ran jobs itself because the configured queue was unreachable."""
    return has_request_context() and g.get("lgadmin_jobs_ran_inline", False)


def run_in_app(path: str, args, kwargs):
    module_name, _, attr = path.partition(":")
    func = getattr(importlib.import_module(module_name), attr)
    if has_app_context():
        return func(*args, **kwargs)
    with _app().app_context():
        return func(*args, **kwargs)


# The app a worker runs jobs in when LGADMIN_WORKER_APP doesn't name one: built by the
# composition layer (lgadmin.worker), named here by import string because the platform
# imports no part of the app above it.
DEFAULT_WORKER_APP = "lgadmin.worker:app"


def _app():
    """The app a worker process runs jobs in: LGADMIN_WORKER_APP ("module:attr") or our own."""
    global _worker_app
    if _worker_app is None:
        target = os.environ.get("LGADMIN_WORKER_APP") or DEFAULT_WORKER_APP
        module_name, _, attr = target.partition(":")
        _worker_app = getattr(importlib.import_module(module_name), attr or "app")
    return _worker_app

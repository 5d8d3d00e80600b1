"""GET /healthz: can this web node serve? GET /healthz/queue: is background work moving?

A load balancer reads /healthz. It answers 200 while the database does, Redis or not:
the app keeps serving without Redis, and pulling every web node at once for a Redis outage
would turn a slow queue into a dead site. Redis down is a "degraded" 200 with the flag.
An operator watches /healthz/queue: the backlog of each queue, how long the oldest job has
waited and the live workers, 503 when Redis is unreachable or jobs wait with no worker to
take them. Redis is asked with the short socket timeouts of jobs.redis_connection, so a
frozen Redis holds a health check (or the load balancer) about a second at most.
"""

from flask import Blueprint, current_app, jsonify
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import text

from .extensions import db
from .jobs import queue_names, redis_connection
from .timeutil import utcnow

bp = Blueprint("lgadmin_health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _queue_state(redis: Redis | None) -> str:
    if redis is None:
        return "inline"
    try:
        redis.ping()
        return "ok"
    except Exception:
        return "unreachable"


@bp.route("")
def healthz():
    database = "ok" if _database_ok() else "unreachable"
    queue = _queue_state(redis_connection())
    if database != "ok":
        status = "unavailable"
    elif queue == "unreachable":
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "queue": queue}
    return jsonify(body), 200 if database == "ok" else 503


def _waited_seconds(queue: Queue) -> int | None:
    """How long the job at the head of `queue` has waited, in whole seconds."""
    oldest = queue.fetch_job(next(iter(queue.get_job_ids(0, 1)), ""))
    if oldest is None or oldest.enqueued_at is None:
        return None
    return max(0, round((utcnow() - oldest.enqueued_at.replace(tzinfo=None)).total_seconds()))


@bp.route("/queue")
def queue_health():
    redis = redis_connection()
    state = _queue_state(redis)
    if state != "ok":
        return jsonify({"queue": state}), 503 if state == "unreachable" else 200
    try:
        queues = [
            Queue(name, connection=redis)
            for name in queue_names(current_app.config["LGADMIN_QUEUE"])
        ]
        backlogs = {q.name: q.count for q in queues}
        waits = [_waited_seconds(q) for q in queues if backlogs[q.name]]
        # A worker counts once whichever of the queues it listens to; rq drops a worker that
        # stopped sending heartbeats (killed, or cut off from Redis) once its key expires.
        workers = {w.name for q in queues for w in Worker.all(connection=redis, queue=q)}
    except Exception:
        return jsonify({"queue": "unreachable"}), 503
    backlog = sum(backlogs.values())
    waited = [seconds for seconds in waits if seconds is not None]
    body = {
        "queue": "ok" if workers or not backlog else "stuck",
        "backlog": backlog,
        "backlog_by_queue": backlogs,
        "oldest_waiting_seconds": max(waited) if waited else None,
        "workers": len(workers),
    }
    return jsonify(body), 200 if body["queue"] == "ok" else 503

"""GET /healthz: can this web node serve? GET /healthz/queue: is background work moving?

A load balancer reads /healthz. It answers 200 while the database does, Redis or not:
the app keeps serving without Redis, and pulling every web node at once for a Redis outage
would turn a slow queue into a dead site. Redis down is a "degraded" 200 with the flag.
An operator watches /healthz/queue: the backlog, how long the oldest job has waited and the
live workers, 503 when Redis is unreachable or jobs wait with no worker to take them.
"""

from flask import Blueprint, current_app, jsonify
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import text

from .extensions import db
from .timeutil import utcnow

bp = Blueprint("lgadmin_health", __name__)

# A frozen Redis must not hold a health check (or the load balancer) for long.
REDIS_TIMEOUT_SECONDS = 1
# One client (and connection pool) per URL and process, as jobs.redis_connection keeps: a load
# balancer asks every few seconds, and a new client each time costs a TCP connect.
_clients: dict[str, Redis] = {}


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _redis() -> Redis | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    if url not in _clients:
        _clients[url] = Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
    return _clients[url]


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
    queue = _queue_state(_redis())
    if database != "ok":
        status = "unavailable"
    elif queue == "unreachable":
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "queue": queue}
    return jsonify(body), 200 if database == "ok" else 503


@bp.route("/queue")
def queue_health():
    redis = _redis()
    state = _queue_state(redis)
    if state != "ok":
        return jsonify({"queue": state}), 503 if state == "unreachable" else 200
    try:
        jobs = Queue(current_app.config["LGADMIN_QUEUE"], connection=redis)
        backlog = jobs.count
        oldest = jobs.fetch_job(next(iter(jobs.get_job_ids(0, 1)), "")) if backlog else None
        workers = Worker.count(connection=redis, queue=jobs)
    except Exception:
        return jsonify({"queue": "unreachable"}), 503
    waited = None
    if oldest is not None and oldest.enqueued_at is not None:
        waited = max(0, round((utcnow() - oldest.enqueued_at.replace(tzinfo=None)).total_seconds()))
    body = {
        "queue": "ok" if workers or not backlog else "stuck",
        "backlog": backlog,
        "oldest_waiting_seconds": waited,
        "workers": workers,
    }
    return jsonify(body), 200 if body["queue"] == "ok" else 503

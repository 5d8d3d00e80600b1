"""GET /healthz: is the database reachable, and the job queue?"""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db
from .jobs import redis_connection

bp = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _queue_state() -> str:
    if not current_app.config.get("REDIS_URL"):
        return "inline"
    try:
        redis_connection().ping()
        return "ok"
    except Exception:
        return "unreachable"


@bp.route("/healthz")
def healthz():
    database = "ok" if _database_ok() else "unreachable"
    queue = _queue_state()
    healthy = database == "ok" and queue != "unreachable"
    body = {"status": "ok" if healthy else "unavailable", "database": database, "queue": queue}
    return jsonify(body), 200 if healthy else 503

"""/healthz says whether this web node can serve; /healthz/queue whether background work moves."""

import uuid
from datetime import UTC

import pytest
from redis import Redis
from rq import Queue

from lgadmin.jobs import MAIL, WEBHOOKS, enqueue, queue_names
from lgadmin.timeutil import utcnow
from lgadmin.worker import AppWorker
from tests.conftest import counting_statements


def test_health_reports_database_and_inline_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "inline"}


def test_redis_down_is_a_degraded_200_so_no_load_balancer_pulls_the_node(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "queue": "unreachable"}


def test_the_queue_check_is_503_when_redis_is_unreachable(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz/queue")
    assert response.status_code == 503
    assert response.get_json() == {"queue": "unreachable"}


def test_the_queue_check_on_the_embedded_defaults_runs_jobs_inline(client):
    response = client.get("/healthz/queue")
    assert response.status_code == 200 and response.get_json() == {"queue": "inline"}


def test_health_reads_the_database_once(client):
    with counting_statements() as statements:
        assert client.get("/healthz").status_code == 200
    assert len(statements) == 1


@pytest.fixture
def own_queue(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    name = f"health-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", name)
    jobs = Queue(name, connection=Redis.from_url(redis_url))
    yield jobs
    jobs.empty()
    jobs.delete()


def test_health_reports_a_reachable_redis(client, own_queue):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["queue"] == "ok"
    queue = client.get("/healthz/queue")
    assert queue.status_code == 200
    name = own_queue.name
    assert queue.get_json() == {
        "queue": "ok",
        "backlog": 0,
        "backlog_by_queue": {f"{name}:mail": 0, f"{name}:webhooks": 0, f"{name}:bulk": 0, name: 0},
        "oldest_waiting_seconds": None,
        "workers": 0,
    }


def test_jobs_waiting_with_no_worker_show_as_stuck(client, own_queue, time_machine):
    time_machine.move_to(utcnow().replace(tzinfo=UTC))
    own_queue.enqueue("builtins.print", "waiting")
    own_queue.enqueue("builtins.print", "waiting too")
    time_machine.shift(90)
    response = client.get("/healthz/queue")
    assert response.status_code == 503
    body = response.get_json()
    assert body["queue"] == "stuck" and body["backlog"] == 2 and body["workers"] == 0
    assert 90 <= body["oldest_waiting_seconds"] < 150


def test_the_queue_check_shows_the_backlog_of_each_kind_of_job(app, client, own_queue):
    with app.app_context():
        enqueue(print, "a welcome", kind=MAIL)
        enqueue(print, "a bounce", kind=WEBHOOKS)
        enqueue(print, "another bounce", kind=WEBHOOKS)
    body = client.get("/healthz/queue").get_json()
    name = own_queue.name
    assert body["backlog"] == 3
    assert body["backlog_by_queue"][f"{name}:mail"] == 1
    assert body["backlog_by_queue"][f"{name}:webhooks"] == 2
    for kind in (MAIL, WEBHOOKS):
        Queue(f"{name}:{kind}", connection=own_queue.connection).empty()


def test_a_live_worker_unsticks_the_queue_check(app, client, own_queue):
    own_queue.enqueue("builtins.print", "waiting")
    worker = AppWorker(queue_names(own_queue.name), connection=own_queue.connection)
    worker.register_birth()
    try:
        response = client.get("/healthz/queue")
        assert response.status_code == 200
        assert response.get_json()["workers"] == 1 and response.get_json()["queue"] == "ok"
    finally:
        worker.register_death()

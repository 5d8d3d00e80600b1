"""The lgadmin worker: mail before webhooks before bulk work, and it outlives Redis."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import db
from lgadmin.jobs import BULK, MAIL, WEBHOOKS, enqueue, queue_names, ran_inline, run_in_app
from lgadmin.worker import run
from tests.conftest import DATABASE_URL
from tests.foundation.test_jobs import record_audit

ROOT = Path(__file__).resolve().parents[2]
# How long to wait for something a worker does, however loaded the machine (not a speed check).
PATIENCE = 90


def _actions():
    db.session.expire_all()
    return [entry.action for entry in db.session.query(AuditEntry).order_by(AuditEntry.id)]


@pytest.fixture
def own_queues(app, monkeypatch, redis_url):
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    name = f"worker-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", name)
    yield name
    connection = Redis.from_url(redis_url)
    connection.delete(*(f"rq:queue:{queue}" for queue in queue_names(name)))


def test_a_welcome_mail_goes_before_the_webhooks_and_campaigns_queued_ahead_of_it(app, own_queues):
    enqueue(record_audit, "campaign batch", kind=BULK)
    for number in range(3):
        enqueue(record_audit, f"bounce {number}", kind=WEBHOOKS)
    enqueue(record_audit, "welcome", kind=MAIL)
    assert _actions() == []
    run(app, burst=True)
    assert _actions() == ["welcome", "bounce 0", "bounce 1", "bounce 2", "campaign batch"]


def test_jobs_queued_before_jobs_had_kinds_still_run(app, own_queues, redis_url):
    Queue(own_queues, connection=Redis.from_url(redis_url)).enqueue(
        run_in_app, "tests.foundation.test_jobs:record_audit", ("from the old queue",), {}
    )
    run(app, burst=True)
    assert _actions() == ["from the old queue"]


def test_the_forking_worker_runs_jobs_in_the_app_it_built(app, own_queues):
    enqueue(record_audit, "in a work horse", kind=MAIL)
    run(app, burst=True, forking=True)
    assert _actions() == ["in a work horse"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    _wait_for(lambda: _pings(port), "the throw-away Redis to answer")
    return server


def _pings(port: int) -> bool:
    try:
        return Redis(port=port, socket_connect_timeout=0.5).ping()
    except Exception:
        return False


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {PATIENCE} s for {what}")
        time.sleep(0.2)


def _live_workers(port: int, queue: str) -> int:
    try:
        redis = Redis(port=port, socket_connect_timeout=0.5)
        return len(
            Worker.all(connection=redis, queue=__import__("rq").Queue(queue, connection=redis))
        )
    except Exception:
        return 0


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_the_worker_outlives_a_redis_restart_and_runs_the_next_job(app, client, monkeypatch):
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    name = f"outage-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "LGADMIN_QUEUE", name)
    server = _start_redis(port)
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": url, "LGADMIN_QUEUE": name}
    worker = subprocess.Popen(
        [sys.executable, "-m", "lgadmin.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _live_workers(port, f"{name}:mail") == 1, "the worker to register")
        enqueue(record_audit, "before the outage", kind=MAIL)
        _wait_for(lambda: _actions() == ["before the outage"], "the job before the outage")

        server.kill()
        server.wait()
        time.sleep(3)  # the outage: the worker finds Redis gone and keeps trying
        assert worker.poll() is None
        server = _start_redis(port)

        enqueue(record_audit, "after the outage", kind=MAIL)
        _wait_for(lambda: "after the outage" in _actions(), "the job after the outage")
        assert worker.poll() is None
        _wait_for(lambda: _live_workers(port, f"{name}:mail") == 1, "the worker to register again")
        health = client.get("/healthz/queue").get_json()
        assert health["workers"] == 1 and health["queue"] == "ok"
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=PATIENCE)
        finally:
            if worker.poll() is None:
                worker.kill()
            server.kill()
            server.wait()
    assert worker.returncode == 0  # a SIGTERM ends it cleanly


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_a_frozen_redis_runs_the_job_inline_and_the_node_stays_in_service(app, client, monkeypatch):
    port = _free_port()
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{port}/0")
    server = _start_redis(port)
    try:
        server.send_signal(
            signal.SIGSTOP
        )  # up, but answers nothing: the socket timeout ends the wait
        with app.test_request_context():
            assert enqueue(record_audit, "while Redis is frozen", kind=MAIL) is None
            assert ran_inline()
        assert _actions() == ["while Redis is frozen"]
        health = client.get("/healthz")
        assert health.status_code == 200 and health.get_json()["status"] == "degraded"
    finally:
        server.send_signal(signal.SIGCONT)
        server.kill()
        server.wait()

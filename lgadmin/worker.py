"""The worker that runs lgadmin's jobs: `flask lgadmin worker` or `python -m lgadmin.worker`.

It builds the app once and runs an rq worker on lgadmin's queues, most urgent first (mail,
then webhooks, then bulk work: jobs.QUEUE_KINDS). Each job runs in a fresh app context of
that app: a plain `rq worker` forks a process per job that imports lgadmin and builds the
app again, about 2.5 s of CPU for a job of a few milliseconds.

The worker outlives Redis: rq's own loop waits out an outage while it is idle, and ends on
one that hits a job's bookkeeping; `run` then backs off and starts a new rq worker on the
same queues, however long Redis is away. A restarted Redis has lost the worker's
registration, so the worker registers again at its next heartbeat (/healthz/queue counts it).

`app` is the app a plain `rq worker` runs jobs in when LGADMIN_WORKER_APP names none
(jobs.DEFAULT_WORKER_APP): built on first use, so importing this module builds nothing.
"""

import logging
import signal
import sys
import time

import click
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker, Worker, worker_registration
from rq.exceptions import StopRequested

from .extensions import db
from .jobs import queue_names

log = logging.getLogger("lgadmin.worker")

# A killed worker drops out of /healthz/queue's count within WORKER_TTL + 60 s (rq's key
# expiry); an idle one sends a heartbeat every WORKER_TTL - 15 s.
WORKER_TTL = 60
# The longest pause between attempts to reach Redis again, in seconds.
MAX_PAUSE = 5.0


class _JobsInApp:
    """Runs each job in a fresh app context of the app the worker process built once."""

    app: Flask
    stop_requested_by_signal = False
    max_connection_wait_time = MAX_PAUSE  # rq's own back-off while idle through an outage

    def perform_job(self, job, queue, execution):
        with self.app.app_context():
            return super().perform_job(job, queue, execution)

    def request_stop(self, signum, frame):
        self.stop_requested_by_signal = True
        try:
            super().request_stop(signum, frame)
        except RedisError:  # rq asks Redis whether a job is running; with Redis away none is
            raise StopRequested() from None

    def subscribe(self):
        # rq's, but its listening thread waits at most a second for a message (rq: 60), so the
        # worker's teardown, which closes that thread's connection, is not held up to a minute.
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def heartbeat(self, timeout=None, pipeline=None):
        super().heartbeat(timeout, pipeline)
        if pipeline is None and self.birth_date is not None:
            self._register_again_if_forgotten()

    def _register_again_if_forgotten(self) -> None:
        # The heartbeat's HSET recreated the key of a worker a restarted Redis forgot: only
        # its last heartbeat is there, and the registries that count workers lack it.
        if self.connection.hexists(self.key, "birth"):
            return
        log.info("lgadmin worker %s: Redis forgot this worker; registering again", self.name)
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()


class AppWorker(_JobsInApp, SimpleWorker):
    """Runs each job in the worker process itself: no fork, the app and its database
    connections reused from job to job. A job that crashes the interpreter takes the worker
    with it (the process supervisor starts it again)."""


class ForkingAppWorker(_JobsInApp, Worker):
    """Forks a work horse per job from the process that built the app, so the horse starts
    with it built: a job that crashes leaves the worker standing, at the price of a fork."""

    def main_work_horse(self, job, queue):
        # The horse must not talk over the parent's database connections: its pool starts empty.
        with self.app.app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def run(app: Flask, *, burst: bool = False, forking: bool = False, max_jobs: int | None = None):
    """Take jobs from lgadmin's queues until stopped (SIGTERM/SIGINT), or, with `burst`,
    until they are empty. Returns the number of rq workers it took (1 without an outage)."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run inline")
    worker_class = ForkingAppWorker if forking else AppWorker
    names = queue_names(app.config["LGADMIN_QUEUE"])
    timeout = app.config.get("LGADMIN_REDIS_TIMEOUT", 1.0)
    pause, attempts = 1.0, 0
    while True:
        attempts += 1
        started = time.monotonic()
        # A new rq worker (and name) each time: the last one may still be registered as alive.
        worker = worker_class(
            names,
            connection=Redis.from_url(url, socket_connect_timeout=timeout),
            worker_ttl=WORKER_TTL,
        )
        worker.app = app
        try:
            # The scheduler puts a failed job back on its queue once its back-off has passed.
            worker.work(
                burst=burst, max_jobs=max_jobs, logging_level="INFO", with_scheduler=not burst
            )
        except RedisError as error:  # raised where rq does not catch it: at birth, at death
            log.warning("lgadmin worker: Redis is unreachable (%s)", error)
        else:
            if burst or max_jobs is not None or worker.stop_requested_by_signal:
                return attempts
        if worker.stop_requested_by_signal:
            return attempts
        if time.monotonic() - started > 60:
            pause = 1.0  # it worked for a while: this is a new outage
        log.warning("lgadmin worker: the rq worker ended; starting another in %.0f s", pause)
        if not _sleep_unless_stopped(pause):
            return attempts
        pause = min(pause * 2, MAX_PAUSE)


def _sleep_unless_stopped(seconds: float) -> bool:
    """Sleep, unless SIGTERM or SIGINT comes first; whether to go on."""
    stopped = []

    def stop(signum, frame):
        stopped.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        deadline = time.monotonic() + seconds
        while not stopped and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return not stopped


_app: Flask | None = None


def __getattr__(name: str):
    """`app`, built on first use (a plain `rq worker` looks it up in each work horse)."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        from .app import create_app

        _app = create_app()
    return _app


def main(argv: list[str] | None = None) -> None:
    """python -m lgadmin.worker [--burst] [--fork]: the worker, in lgadmin's own app."""
    argv = sys.argv[1:] if argv is None else argv
    unknown = [arg for arg in argv if arg not in ("--burst", "--fork")]
    if unknown:
        sys.exit(f"usage: python -m lgadmin.worker [--burst] [--fork] (not {' '.join(unknown)})")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(__getattr__("app"), burst="--burst" in argv, forking="--fork" in argv)


if __name__ == "__main__":
    # Through the module by its name, so its classes are lgadmin.worker's, not __main__'s.
    from lgadmin.worker import main as worker_main

    worker_main()

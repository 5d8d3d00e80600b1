"""Job throughput of lgadmin's worker against a plain forking `rq worker`, and how long a welcome
mail queued behind a backlog of webhook jobs waits.

    .venv/bin/python benchmarks/workers.py --database-url URL --redis-url URL
        [--jobs 2000] [--old-jobs 20] [--workers 2] [--json OUT]

Builds a market `bench-mail` (benchmarks/webhooks.py's) in a database of its own, then for
each way of running jobs starts `--workers` worker processes, waits until they are registered
(so building the app is not counted), queues the jobs in one pipeline and times until the
queues are empty and nothing runs:

- `rq-worker` (before): `rq worker` on the one queue, a work horse forked per job that
  builds the app again (LGADMIN_WORKER_APP's default), `--old-jobs` webhook-sized jobs;
- `lgadmin-worker`: `python -m lgadmin.worker` (SimpleWorker in the app built once), and
- `lgadmin-worker-fork`: `python -m lgadmin.worker --fork` (a horse forked per job from the
  process that built the app): `--jobs` webhook-sized jobs on the webhooks queue, then one
  real welcome mail (onboarding's job, written to the outbox) on the mail queue; the
  welcome's wait is from its enqueue to its job's end (target: 10 s).

A webhook-sized job reads an account and writes one audit row, as a bounce does. Without
--redis-url nothing can be measured. Use a database of its own: its tables are rebuilt.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from rq import Queue, Worker
from rq.registry import StartedJobRegistry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lgadmin.jobs import MAIL, WEBHOOKS, queue_name, queue_names, run_in_app  # noqa: E402
from lgadmin.timeutil import utcnow  # noqa: E402

QUEUE = "lgadmin-bench-workers"
WELCOME_TARGET_SECONDS = 10


def webhook_sized(account_id: int) -> None:
    """Job: what a mail webhook costs the worker: read an account, write an audit row."""
    from lgadmin.accounts.models import Account
    from lgadmin.audit.models import AuditEntry
    from lgadmin.extensions import db

    account = db.session.get(Account, account_id)
    db.session.add(AuditEntry(action="bench.webhook", summary=f"event for {account.email}"))
    db.session.commit()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--old-jobs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json")
    return parser.parse_args()


def start_workers(command: list[str], env: dict, count: int, redis: Redis, queue: str):
    before = len(Worker.all(connection=redis, queue=Queue(queue, connection=redis)))
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 120
    while len(Worker.all(connection=redis, queue=Queue(queue, connection=redis))) < before + count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{command} did not register within 120 s")
        time.sleep(0.2)
    return processes


def stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def drained(queues: list[Queue]) -> bool:
    return all(q.count == 0 and StartedJobRegistry(queue=q).count == 0 for q in queues)


def measure(name, command, env, redis, job_queue, account_ids, workers, welcome_to=None):
    queues = [Queue(n, connection=redis) for n in queue_names(QUEUE)] + [
        Queue(QUEUE, connection=redis)
    ]
    for q in queues:
        q.empty()
    processes = start_workers(command, env, workers, redis, job_queue)
    try:
        target = Queue(job_queue, connection=redis)
        jobs = [
            Queue.prepare_data(
                run_in_app,
                ("workers:webhook_sized", (account_ids[n % len(account_ids)],), {}),
                result_ttl=600,
            )
            for n in range(len_jobs(name))
        ]
        started = time.monotonic()
        target.enqueue_many(jobs)
        welcome = None
        if welcome_to is not None:
            welcome = Queue(welcome_to, connection=redis).enqueue(
                run_in_app,
                "lgadmin.onboarding.emails:send_welcome_email",
                (account_ids[-1], ""),
                {},
            )
            welcome_queued = utcnow()
        while not drained(queues):
            time.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        stop(processes)
    result = {
        "runner": name,
        "jobs": len(jobs),
        "seconds": round(elapsed, 2),
        "jobs_per_second": round(len(jobs) / elapsed, 1),
    }
    if welcome is not None:
        welcome.refresh()
        result["welcome_status"] = str(welcome.get_status())
        result["welcome_wait_seconds"] = round(
            (welcome.ended_at.replace(tzinfo=None) - welcome_queued).total_seconds(), 2
        )
    return result


_COUNTS: dict[str, int] = {}


def len_jobs(name: str) -> int:
    return _COUNTS[name]


def main():
    args = parse_args()
    import webhooks  # benchmarks/webhooks.py: the bench market and its database

    webhooks.ensure_database(args.database_url)
    market_id, account_ids = webhooks.build(args.database_url, 200)
    redis = Redis.from_url(args.redis_url)
    instance = tempfile.mkdtemp(prefix="lgadmin-bench-workers-")
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'benchmarks'}",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "LGADMIN_QUEUE": QUEUE,
        "LGADMIN_INSTANCE_PATH": instance,
        "LGADMIN_BASE_URL": "http://bench.example.org/",
    }
    env.pop("MAIL_SERVER", None)
    rq = str(Path(sys.executable).with_name("rq"))
    runs = [
        ("rq-worker", [rq, "worker", "-u", args.redis_url, QUEUE], QUEUE, None, args.old_jobs),
        (
            "lgadmin-worker",
            [sys.executable, "-m", "lgadmin.worker"],
            queue_name(QUEUE, WEBHOOKS),
            queue_name(QUEUE, MAIL),
            args.jobs,
        ),
        (
            "lgadmin-worker-fork",
            [sys.executable, "-m", "lgadmin.worker", "--fork"],
            queue_name(QUEUE, WEBHOOKS),
            queue_name(QUEUE, MAIL),
            args.jobs,
        ),
    ]
    results = []
    for name, command, job_queue, welcome_to, count in runs:
        _COUNTS[name] = count
        result = measure(
            name, command, env, redis, job_queue, account_ids, args.workers, welcome_to
        )
        results.append(result)
        print(json.dumps(result), flush=True)
    outbox = list(Path(instance, "outbox").glob("*.eml"))
    print(f"welcome mails in the outbox: {len(outbox)} (one per lgadmin run expected)")
    old = results[0]["jobs_per_second"]
    for result in results[1:]:
        flag = (
            "ok"
            if result.get("welcome_wait_seconds", 99) <= WELCOME_TARGET_SECONDS
            else "OVER TARGET"
        )
        speedup = result["jobs_per_second"] / old
        print(
            f"{result['runner']}: {result['jobs_per_second']} jobs/s ({speedup:.0f}x rq worker), "
            f"welcome behind {result['jobs']} webhook jobs sent after "
            f"{result['welcome_wait_seconds']} s [{flag}]"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

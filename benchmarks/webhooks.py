"""Throughput of the mail webhooks: signed Mailgun events posted to a running app.

    .venv/bin/python benchmarks/webhooks.py [--database-url URL] [--redis-url URL]
        [--events 2000] [--duplicates 0.1] [--concurrency 8] [--web-workers 3] [--json OUT]

Builds a market `bench-mail` with one customer per event, starts gunicorn (`wsgi:app`) on a
free port against that database and Redis, posts the events (a tenth of them a second time,
newly signed, as a provider re-delivering) from `--concurrency` threads, and reports the
events accepted per second. Then one lgadmin worker (`python -m lgadmin.worker --burst`)
processes the queues and
the script reports how long that took, and checks that every distinct event is stored and
processed exactly once: zero lost, zero applied twice (one comment per bounce, complaint or
unsubscribe). Without --redis-url the events are processed inline, inside the webhook.

On PostgreSQL use a database of its own (it is created if missing; its tables are dropped and
rebuilt): never the test suite's. Without --database-url a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from lgadmin.timeutil import epoch_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIGNING_KEY = "bench-signing-key"
QUEUE = "lgadmin-bench-webhooks"
PATH = "/webhooks/mail/mailgun"
TARGET_PER_SECOND = 300
KINDS = ("failed", "complained", "unsubscribed", "delivered")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--json")
    return parser.parse_args()


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def build(url: str, customers: int) -> tuple[int, list[int]]:
    """A fresh schema with one market and `customers` accounts; (market id, account ids)."""
    from lgadmin import create_app
    from lgadmin.accounts.models import Account
    from lgadmin.extensions import db
    from lgadmin.markets.models import Market

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        db.drop_all()
        db.create_all()
        market = Market(slug="bench-mail", name="Bench Mail Market")
        db.session.add(market)
        db.session.flush()
        db.session.execute(
            Account.__table__.insert(),
            [
                {
                    "market_id": market.id,
                    "email": f"shopper{n}@bench.example.org",
                    "first_name": "Shopper",
                    "last_name": str(n),
                    "phone": "",
                    "address_line1": "",
                    "address_line2": "",
                    "city": "",
                    "region": "",
                    "postal_code": "",
                    "country": "US",
                    "joined_at": time_now(),
                    "active": True,
                    "is_superuser": False,
                    "is_manager": False,
                    "is_volunteer": False,
                    "is_wholesale": False,
                    "receives_mailings": True,
                    "line_position": "first_come",
                    "trial_orders_left": 0,
                    "balance_cents": 0,
                    "manager_comments": "",
                    "version": 1,
                }
                for n in range(customers)
            ],
        )
        db.session.commit()
        ids = list(db.session.scalars(select(Account.id).order_by(Account.id)))
        market_id = market.id
        db.session.remove()
        db.engine.dispose()
    return market_id, ids


def time_now():
    from lgadmin.timeutil import utcnow

    return utcnow()


def event_data(n: int, market_id: int, account_id: int) -> dict:
    kind = KINDS[n % len(KINDS)]
    email = f"shopper{n}@bench.example.org"
    data = {
        "event": kind,
        "id": f"bench-{n}-{secrets.token_hex(6)}",
        "timestamp": epoch_seconds(),
        "recipient": email,
        "recipient-domain": "bench.example.org",
        "message": {"headers": {"to": email, "subject": "This week at the market"}},
        "user-variables": {"lgadmin-market": str(market_id), "lgadmin-account": str(account_id)},
    }
    if kind == "failed":
        data.update(severity="permanent", reason="bounce")
        data["delivery-status"] = {"code": 550, "description": "mailbox full", "message": ""}
    return data


def signed(data: dict) -> bytes:
    timestamp, token = str(int(epoch_seconds())), secrets.token_hex(25)
    signature = hmac.new(
        SIGNING_KEY.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    body = {"signature": {"timestamp": timestamp, "token": token, "signature": signature}}
    return json.dumps({**body, "event-data": data}).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict, port: int, workers: int, threads: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the app did not start within 30 s")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far, from /proc (Linux)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def post_all(port: int, bodies: list[bytes], concurrency: int) -> tuple[float, dict]:
    """POST every body from `concurrency` threads; (seconds, {status: count}).

    http.client rather than requests: the client shares the machine's two cores with the
    server, so it should cost as little as possible.
    """

    def post(body: bytes) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            return response.status
        except OSError:
            return 0
        finally:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(post, bodies))
    elapsed = time.perf_counter() - started
    counts: dict = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return elapsed, counts


def run_worker(env: dict, redis_url: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "lgadmin.worker", "--burst"],
        cwd=ROOT,
        env={**env, "REDIS_URL": redis_url},
        check=True,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def verify(url: str, distinct: int, effects: int) -> dict:
    from lgadmin.accounts.models import Comment
    from lgadmin.deliverability.models import MailEvent

    engine = create_engine(url)
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(MailEvent.__table__))
        processed = conn.scalar(
            select(func.count())
            .select_from(MailEvent.__table__)
            .where(MailEvent.__table__.c.processed_at.is_not(None))
        )
        comments = conn.scalar(select(func.count()).select_from(Comment.__table__))
        per_account = (
            select((func.count() - 1).label("extra"))
            .select_from(Comment.__table__)
            .group_by(Comment.__table__.c.account_id)
            .subquery()
        )
        extra = conn.scalar(select(func.coalesce(func.sum(per_account.c.extra), 0)))
    engine.dispose()
    return {
        "stored": stored,
        "processed": processed,
        "lost": distinct - processed,
        "comments": comments,
        "expected_comments": effects,
        "applied_twice": int(extra),
    }


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lgadmin-bench-webhooks-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    ensure_database(url)
    os.environ["LGADMIN_INSTANCE_PATH"] = str(tmp / "instance")
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    distinct = round(args.events / (1 + args.duplicates))
    market_id, account_ids = build(url, distinct)

    datas = [event_data(n, market_id, account_ids[n]) for n in range(distinct)]
    resent = random.Random(7).sample(range(distinct), args.events - distinct)
    bodies = [signed(d) for d in datas] + [signed(datas[n]) for n in resent]
    random.Random(11).shuffle(bodies)
    effects = sum(1 for d in datas if d["event"] != "delivered")

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
        "LGADMIN_QUEUE": QUEUE,
        "LGADMIN_INSTANCE_PATH": str(tmp / "instance"),
        "PYTHONPATH": str(ROOT),
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
        from redis import Redis
        from rq import Queue

        from lgadmin.jobs import queue_names

        for name in queue_names(QUEUE):
            Queue(name, connection=Redis.from_url(args.redis_url)).empty()
    port = free_port()
    load_before = os.getloadavg()[0]
    server = start_server(env, port, args.web_workers, args.threads)
    server_before = tree_cpu_seconds(server.pid)
    client_before = time.process_time()
    try:
        elapsed, statuses = post_all(port, bodies, args.concurrency)
        client_cpu = time.process_time() - client_before
        server_cpu = tree_cpu_seconds(server.pid) - server_before
    finally:
        server.terminate()
        server.wait(10)
    worker_seconds = run_worker(env, args.redis_url) if args.redis_url else 0.0
    checks = verify(url, distinct, effects)
    result = {
        "database": make_url(url).get_backend_name(),
        "queue": "rq" if args.redis_url else "inline",
        "events_posted": len(bodies),
        "distinct_events": distinct,
        "duplicates": len(bodies) - distinct,
        "statuses": statuses,
        "post_seconds": round(elapsed, 2),
        "load_average_before": round(load_before, 2),
        "server_cpu_ms_per_request": round(server_cpu / len(bodies) * 1000, 2),
        "client_cpu_ms_per_request": round(client_cpu / len(bodies) * 1000, 2),
        "accepted_per_second": round(statuses.get(200, 0) / elapsed, 1),
        "worker_seconds": round(worker_seconds, 2),
        "processed_per_second": round(distinct / worker_seconds, 1) if worker_seconds else None,
        **checks,
    }
    print(json.dumps(result, indent=2))
    ok = (
        statuses == {200: len(bodies)}
        and checks["lost"] == 0
        and checks["applied_twice"] == 0
        and checks["stored"] == distinct
        and checks["comments"] == effects
    )
    target = result["accepted_per_second"] >= TARGET_PER_SECOND
    print(
        f"{'OK' if ok else 'FAILED'}: {result['accepted_per_second']}/s accepted "
        f"(target {TARGET_PER_SECOND}/s: {'met' if target else 'missed'}), "
        f"worker {result['worker_seconds']} s, lost {checks['lost']}, "
        f"applied twice {checks['applied_twice']}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

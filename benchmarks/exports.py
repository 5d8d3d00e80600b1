"""Benchmark of a large customer export as a job: the request that starts it, the job, the file.

    .venv/bin/python benchmarks/exports.py --database-url URL --redis-url URL
        [--customers 100000] [--skip-build] --json OUT

Builds (or reuses, --skip-build) grid.py's market `bench` of N customers, signs in as its
manager and, for CSV then Excel: times the request to /admin/customers/export/<fmt> (it must
answer a redirect to the export's page), runs the queued job in an rq SimpleWorker in this
process (timed, with the process's peak resident memory), downloads the file and checks its row
count against the grid's count of the same view. Without --redis-url the job runs inline in
the request, as on the embedded default, and the request time is the job's.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grid import (
    BENCH_SLUG,
    MANAGER_EMAIL,
    MANAGER_PASSWORD,
    OTHER_SLUG,
    build,
    ensure_database,
    existing_counts,
    in_temporary_instance,  # noqa: E402  (grid.py builds the same bench market)
)

QUEUE = "lgadmin-bench-exports"


def rows_in(fmt: str, data: bytes) -> int:
    if fmt == "csv":
        return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return sum(1 for _ in sheet.iter_rows(values_only=True)) - 1


def measure(app, client, fmt: str, grid_count: int) -> dict:
    from rq import SimpleWorker

    from lgadmin.jobs import queue

    started = time.perf_counter()
    response = client.get(f"/admin/customers/export/{fmt}")
    request_ms = (time.perf_counter() - started) * 1000
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "/exports/" not in location:
        raise SystemExit(f"FAIL: the {fmt} export answered {response.status_code} {location}")
    job_seconds, peak = None, None
    with app.app_context():  # the worker's jobs run in this app (not LGADMIN_WORKER_APP's)
        q = queue()
        if q is not None:
            started = time.perf_counter()
            SimpleWorker([q], connection=q.connection).work(burst=True)
            job_seconds = time.perf_counter() - started
            # the process's peak resident memory so far (tracemalloc would slow the job 5x)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1000
    state = client.get(location + "/status").get_json()
    if state["status"] != "done":
        raise SystemExit(f"FAIL: the {fmt} export is {state['status']}: {state['error']}")
    data = client.get(state["download_url"]).get_data()
    rows = rows_in(fmt, data)
    return {
        "format": fmt,
        "request_ms": round(request_ms, 1),
        "job_seconds": round(job_seconds if job_seconds is not None else request_ms / 1000, 2),
        "inline": q is None,
        "peak_rss_mb": round(peak / 1e6, 1) if peak is not None else None,
        "megabytes": round(len(data) / 1e6, 1),
        "rows": rows,
        "recorded_rows": state["rows"],
        "grid_count": grid_count,
        "rows_match": rows == state["rows"] == grid_count,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default=None, help="unset: the job runs inline")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--json", required=True, metavar="OUT")
    args = parser.parse_args(argv)
    return in_temporary_instance(run, args, prefix="lgadmin-bench-exports-")


def run(args, instance: Path) -> int:
    ensure_database(args.database_url)
    from sqlalchemy import delete, func, select

    from lgadmin import create_app
    from lgadmin.accounts.models import Account
    from lgadmin.customers.models import CustomerExport
    from lgadmin.extensions import db
    from lgadmin.jobs import queue
    from lgadmin.markets.models import Market

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": args.redis_url,
            "LGADMIN_QUEUE": QUEUE,
            "LGADMIN_OUTBOX": str(instance / "outbox"),
            "LGADMIN_EXPORT_DIR": str(instance / "exports"),
        }
    )
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            counts = existing_counts(conn, db.metadata)
        if not (
            args.skip_build and counts.get(BENCH_SLUG) == args.customers and counts.get(OTHER_SLUG)
        ):
            build(db.engine, db.metadata, args.customers)
        market = db.session.scalar(select(Market).where(Market.slug == BENCH_SLUG))
        grid_count = db.session.scalar(
            select(func.count()).select_from(Account).where(Account.market_id == market.id)
        )
        # A run stopped halfway leaves its export queued: the same request would get it back.
        db.session.execute(delete(CustomerExport).where(CustomerExport.market_id == market.id))
        db.session.commit()
        q = queue()
        if q is not None:
            q.empty()
        db.session.remove()

    client = app.test_client()
    response = client.post(
        f"/m/{BENCH_SLUG}/sign-in", data={"email": MANAGER_EMAIL, "password": MANAGER_PASSWORD}
    )
    if response.status_code != 302 or "sign-in" in response.headers.get("Location", ""):
        raise SystemExit(f"FAIL: signing in as {MANAGER_EMAIL} answered {response.status_code}")

    results = [measure(app, client, fmt, grid_count) for fmt in ("csv", "xlsx")]
    print(f"\n{args.customers:,} customers, {'rq worker' if args.redis_url else 'inline'}")
    print("format  request ms  job s  max RSS MB  file MB  rows (file / recorded / grid)")
    for r in results:
        print(
            f"{r['format']:<7} {r['request_ms']:>10} {r['job_seconds']:>6} "
            f"{r['peak_rss_mb'] if r['peak_rss_mb'] is not None else '-':>8} "
            f"{r['megabytes']:>8}  {r['rows']:,} / {r['recorded_rows']:,} / {r['grid_count']:,}"
        )
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0 if all(r["rows_match"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

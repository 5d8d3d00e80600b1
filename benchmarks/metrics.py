"""Benchmark of the metrics cards and the dashboard (issue 23): kept figures against counting.

    .venv/bin/python benchmarks/metrics.py --database-url URL --customers 100000 --json OUT
        [--requests 30] [--skip-build]

Builds the same market `bench` as benchmarks/grid.py (its data, its builder), signs in as its
manager and times, through the WSGI app, p50/p95 of:
- the cards (/admin/customers/metrics?fragment=1) and the dashboard (/admin/) as served: the
  market is past LGADMIN_FIGURES_LIVE_BELOW, so they read the kept row (lgadmin_market_figures);
- the same two pages counted on each request (LGADMIN_FIGURES_LIVE_BELOW above the market's
  size: the code before issue 23, plus the check "is the market that small");
- the job that recomputes the row (refresh_figures), which the pages no longer wait for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from grid import (
    BENCH_SLUG,
    MANAGER_EMAIL,
    MANAGER_PASSWORD,
    OTHER_SLUG,
    WARMUP,
    build,
    ensure_database,
    existing_counts,
    in_temporary_instance,
    percentile,
    timed,
)

TARGET_P50_MS = 30.0
PAGES = (
    ("cards", "/admin/customers/metrics?fragment=1", b"lg-metric-value"),
    ("dashboard", "/admin/", b"lg-status-cards"),
)


def measure(client, url: str, marker: bytes, requests: int) -> dict:
    for _ in range(WARMUP):
        timed(client, "GET", url, None, marker)
    times = [timed(client, "GET", url, None, marker) * 1000 for _ in range(requests)]
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--json", required=True, metavar="OUT")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args(argv)
    return in_temporary_instance(run, args)


def run(args, instance: Path) -> int:
    ensure_database(args.database_url)

    from lgadmin import create_app
    from lgadmin.customers.figures import refresh_figures
    from lgadmin.extensions import db
    from lgadmin.markets.models import Market

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "LGADMIN_OUTBOX": str(instance / "outbox"),
            # Kept figures never go stale during the run: the pages only read them.
            "LGADMIN_FIGURES_MAX_AGE_SECONDS": 24 * 3600,
        }
    )
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            have = existing_counts(conn, db.metadata).get(BENCH_SLUG)
            others = existing_counts(conn, db.metadata).get(OTHER_SLUG)
        if not (args.skip_build and have == args.customers and others):
            build(db.engine, db.metadata, args.customers)
        db.session.remove()
        market_id = db.session.query(Market.id).filter_by(slug=BENCH_SLUG).scalar()
        job_times = []
        for _ in range(3):
            started = time.perf_counter()
            refresh_figures(market_id)
            job_times.append((time.perf_counter() - started) * 1000)
        db.session.remove()

    client = app.test_client()
    response = client.post(
        f"/m/{BENCH_SLUG}/sign-in", data={"email": MANAGER_EMAIL, "password": MANAGER_PASSWORD}
    )
    if response.status_code != 302:
        raise SystemExit(f"FAIL: signing in answered {response.status_code}")

    results = []
    for mode, live_below in (("kept", 0), ("counted", args.customers * 2 + 10)):
        app.config["LGADMIN_FIGURES_LIVE_BELOW"] = live_below
        for name, url, marker in PAGES:
            row = measure(client, url, marker, args.requests)
            row.update(scenario=f"{name} ({mode})", customers=args.customers, url=url)
            results.append(row)
    results.append(
        {
            "scenario": "refresh job",
            "customers": args.customers,
            "p50_ms": round(statistics.median(job_times), 2),
        }
    )
    print(f"\n{args.customers:,} customers, {args.requests} timed requests per page")
    print(f"{'scenario':<22}{'p50 ms':>10}{'p95 ms':>10}")
    for row in results:
        aim = ""
        if row["scenario"].endswith("(kept)"):
            aim = "  ok" if row["p50_ms"] <= TARGET_P50_MS else f"  ABOVE {TARGET_P50_MS:.0f} ms"
        print(f"{row['scenario']:<22}{row['p50_ms']:>10}{row.get('p95_ms', ''):>10}{aim}")
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

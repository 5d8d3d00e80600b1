"""Benchmark of the possible duplicates: the former Python grouping against the SQL one.

    .venv/bin/python benchmarks/duplicates.py --database-url URL --customers 100000
        [--repeat 3] [--json OUT]

Builds a market `dups-<N>` with N customers (kept between runs: a second run with the same N
skips the build): names from benchmarks/grid.py's lists, unique emails and phones, and 1% of
customers signed up twice (the same gmail address with dots or a +tag, the same phone written
another way, or the same name), 7% inactive, 1% managers. Rows go in with COPY on PostgreSQL,
their search text and duplicate keys filled with the model's own functions, then
`VACUUM (ANALYZE)`. Then, on the same data, each side once to warm up and `--repeat` timed
runs (`time.perf_counter()` around the call, in an app context), one more under tracemalloc
for its peak of Python memory, and both lists compared pair by pair (ids and reasons): the
script stops if they differ.

`python_grouping` is the former `possible_duplicates` (before the keys were stored): it reads
the key columns of every active customer of the market and groups them in Python, with the
key rules of today, so the two must agree exactly.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import defaultdict
from datetime import timedelta
from itertools import combinations

from grid import DOMAINS, FIRST_NAMES, LAST_NAMES, bulk_insert, ensure_database, lgadmin_table
from sqlalchemy import exists, select, text

SEED = 20261207
AREA_CODES = (
    "706 404 470 678 770 912 229 478 762 205 251 256 334 423 615 629 731 865 901 931".split()
)
TARGET_MS = {100_000: 200.0, 1_000_000: 1500.0}


def python_grouping(market, limit):
    """The former possible_duplicates: every candidate's columns read, grouped in Python."""
    from lgadmin.accounts.models import Account, AccountMerge
    from lgadmin.accounts.search_text import name_key
    from lgadmin.contact import mailbox_key, phone_key
    from lgadmin.extensions import db
    from lgadmin.merge.duplicates import EMAIL, MAX_GROUP, NAME, PHONE, reasons_score
    from lgadmin.tenancy import select_in_market

    rows = db.session.execute(
        select_in_market(
            Account,
            market,
            Account.id,
            Account.email,
            Account.phone,
            Account.country,
            Account.first_name,
            Account.last_name,
        ).where(
            Account.active.is_(True),
            Account.is_manager.is_(False),
            Account.is_superuser.is_(False),
            ~exists().where(AccountMerge.merged_account_id == Account.id),
        )
    )
    groups = defaultdict(list)
    for account_id, email, phone, country, first_name, last_name in rows:
        groups[(EMAIL, mailbox_key(email))].append(account_id)
        if phone:
            groups[(PHONE, phone_key(phone, country))].append(account_id)
        groups[(NAME, name_key(first_name, last_name))].append(account_id)
    reasons_of = defaultdict(set)
    for (reason, key), members in groups.items():
        if key and 1 < len(members) <= MAX_GROUP:
            for pair_ids in combinations(sorted(members), 2):
                reasons_of[pair_ids].add(reason)
    best = sorted(reasons_of.items(), key=lambda item: (-reasons_score(item[1]), item[0]))
    return [(a, b, frozenset(reasons)) for (a, b), reasons in best[:limit]]


def sql_grouping(market, limit):
    from lgadmin.merge.duplicates import possible_duplicates

    return [
        (p.first.id, p.second.id, frozenset(p.reasons)) for p in possible_duplicates(market, limit)
    ]


def customer_rows(rng, market_id, count, first_id) -> list[dict]:
    from lgadmin.accounts.search_text import account_search_text, duplicate_keys

    pick_domain = lambda: rng.choices(*zip(*DOMAINS, strict=True))[0]  # noqa: E731
    rows = []
    from lgadmin.timeutil import utcnow

    now = utcnow()
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email = f"{local}{n}@{pick_domain()}"
        area = rng.choice(AREA_CODES)
        phone = f"({area}) {rng.randrange(200, 1000)}-{rng.randrange(10000):04d}"
        if rows and rng.random() < 0.01:  # signed up twice
            earlier = rng.choice(rows)
            how = rng.randrange(3)
            if how == 0:
                user, _, _ = earlier["email"].partition("@")
                email = f"{user.replace('.', '')}+market{n}@googlemail.com"
                earlier["email"] = f"{user}@gmail.com"
            elif how == 1:
                phone = "+1 " + earlier["phone"].replace("(", "").replace(")", "")
            else:
                first, last = earlier["first_name"].upper(), f" {earlier['last_name']} "
        rows.append(
            {
                "id": first_id + n,
                "market_id": market_id,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "joined_at": now - timedelta(days=rng.randrange(1800)),
                "active": rng.random() >= 0.07,
                "is_manager": rng.random() < 0.01,
                "line_position": "first_come",
            }
        )
    for row in rows:  # past the ORM: the derived columns filled as the model would
        row["search_text"] = account_search_text(row["first_name"], row["last_name"], row["email"])
        row |= duplicate_keys(row["email"], row["phone"], "US", row["first_name"], row["last_name"])
    return rows


def build(engine, metadata, slug: str, customers: int) -> float:
    started = time.perf_counter()
    market = lgadmin_table(metadata, "market")
    account = lgadmin_table(metadata, "account")
    with engine.begin() as conn:
        conn.execute(
            market.insert().values(
                name=f"Duplicates {customers:,}", slug=slug, timezone="America/New_York"
            )
        )
        market_id = conn.scalar(select(market.c.id).where(market.c.slug == slug))
        first_id = (conn.scalar(text(f"SELECT max(id) FROM {account.name}")) or 0) + 1
        rng = random.Random(SEED + customers)
        chunk = 100_000
        for start in range(0, customers, chunk):
            rows = customer_rows(rng, market_id, min(chunk, customers - start), first_id + start)
            bulk_insert(conn, account, rows)
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{account.name}', 'id'), "
                    f"(SELECT max(id) + 1 FROM {account.name}), false)"
                )
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"VACUUM (ANALYZE) {account.name}"))
    return time.perf_counter() - started


def measure(function, market, limit: int, repeat: int) -> dict:
    from lgadmin.extensions import db

    function(market, limit)  # warm-up
    times = []
    for _ in range(repeat):
        db.session.expunge_all()
        started = time.perf_counter()
        result = function(market, limit)
        times.append((time.perf_counter() - started) * 1000)
    db.session.expunge_all()
    tracemalloc.start()
    function(market, limit)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "peak_python_mb": round(peak / 2**20, 1),
        "pairs": len(result),
        "result": result,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    ensure_database(args.database_url)

    from lgadmin import create_app
    from lgadmin.extensions import db
    from lgadmin.markets.models import Market

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "TESTING": False})
    slug = f"dups-{args.customers}"
    with app.app_context():
        db.create_all()
        market = db.session.scalar(select(Market).where(Market.slug == slug))
        if market is None:
            seconds = build(db.engine, db.metadata, slug, args.customers)
            print(f"built {args.customers:,} customers in {seconds:.1f} s")
            market = db.session.scalar(select(Market).where(Market.slug == slug))
        else:
            print(f"build skipped: market {slug!r} exists")
        results = {}
        for name, function in (("python", python_grouping), ("sql", sql_grouping)):
            results[name] = measure(function, market, args.limit, args.repeat)
        if results["python"].pop("result") != results["sql"].pop("result"):
            print("the SQL grouping lists other pairs than the Python one", file=sys.stderr)
            return 1
    target = TARGET_MS.get(args.customers)
    print(f"{args.customers:,} customers, {results['sql']['pairs']} pairs listed (both agree)")
    for name, row in results.items():
        print(
            f"  {name:<6} median {row['median_ms']:>9.1f} ms  max {row['max_ms']:>9.1f} ms"
            f"  Python memory peak {row['peak_python_mb']:>7.1f} MB"
        )
    if target:
        verdict = "met" if results["sql"]["median_ms"] <= target else "MISSED"
        print(f"  target SQL ≤ {target:.0f} ms: {verdict}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"customers": args.customers, "target_ms": target, **results}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the customer grid (/admin/customers/) against a plain Flask-Admin ModelView.

    .venv/bin/python benchmarks/grid.py --database-url URL --customers 100000 --json OUT
        [--requests 30] [--skip-build] [--explain]

Builds a market `bench` with N realistic customers (and a small market `bench-other`, so the
market filter has something to filter out), signs in as its manager through the Flask test
client, and times each scenario through the WSGI app: p50/p95 of the server time and the
number of SQL statements of one request. The same scenarios run against `baseline_customers`,
the ModelView a developer would write the obvious way (a formatter reading relationships and
querying the default card row by row), registered on the same app.

On PostgreSQL the database is created if missing (a dedicated one, e.g. lgadmin_bench: never
the test suite's) and the rows are written with COPY; SQLite works too, for a quick check.
"""

from __future__ import annotations

import argparse
import enum
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, event, func, or_, select, text
from sqlalchemy.engine import make_url

BENCH_SLUG = "bench"
OTHER_SLUG = "bench-other"
OTHER_CUSTOMERS = 1000
MANAGER_EMAIL = "manager@bench.example.org"
MANAGER_PASSWORD = "Bench123"
PAGE_SIZE = 50
# Written in this order (parents first), after the two markets.
TABLE_ORDER = ("account", "grower_profile", "payment_method", "orders", "ledger_entry")
WARMUP = 3
SEED = 20240501

# Targets of the grid (ours): checked and reported, never enforced.
TARGET_P50_MS = 30.0
TARGET_P50_1000_MS = 300.0
TARGET_STATEMENTS = 5
TARGET_RATIO_1000 = 5.0

FIRST_NAMES = (
    "Robert Roberta Robin Rob Robbie Roberto Robyn Bob Bobby Mary Patricia Jennifer Linda "
    "Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra Ashley "
    "Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca "
    "Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen "
    "Samantha Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane "
    "Ruth Julie Olivia Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith "
    "Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara Madison Frances "
    "Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle "
    "Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori James "
    "John Michael David William Richard Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald "
    "Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott "
    "Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler "
    "Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy "
    "Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse "
    "Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy "
    "Roy Vincent Ralph Eugene Russell Bobbie Louis Philip Johnny Priya Wei Mei Hiroshi Yuki "
    "Aisha Fatima Omar Ahmed Ana Lucia Sofia Mateo Diego Carmen Rosa Elena Ines Nadia Ivan "
    "Olga Sven Ingrid Lars Freya Kwame Amara Chidi Zainab Thanh Linh Minh Jun Seo-yeon "
    "Siobhán Siobhan Zoë Zoe Renée Chloé José Søren Inés Jürgen Łukasz Ángel"
).split()

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes "
    "Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight "
    "Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Ruiz Robles "
    "Robbins O'Brien O'Connor D'Angelo McRobbie Van-Dyke Nakamura Tanaka Sato Yamamoto "
    "Okafor Mensah Haddad Nasser Kowalski Novak Larsen Johansson Lindqvist Dubois Moreau "
    "Rossi Russo Bianchi Costa Schneider Fischer Weber Becker Ivanova Petrov Singh Kumar "
    "Shah Gupta Das Ali Khan Hussain Wong Liu Zhang Wang Huang Pham Vu Park Choi"
).split()

# (domain, weight): the big free mail providers, ISPs, and some local ones.
DOMAINS = (
    ("gmail.com", 34),
    ("yahoo.com", 12),
    ("hotmail.com", 8),
    ("outlook.com", 6),
    ("icloud.com", 6),
    ("aol.com", 4),
    ("comcast.net", 4),
    ("msn.com", 2),
    ("live.com", 2),
    ("me.com", 2),
    ("verizon.net", 2),
    ("att.net", 2),
    ("sbcglobal.net", 2),
    ("protonmail.com", 2),
    ("charter.net", 1),
    ("cox.net", 1),
    ("earthlink.net", 1),
    ("mac.com", 1),
    ("riverbendfarm.org", 1),
    ("valleycoop.org", 1),
    ("stateu.edu", 1),
    ("cityhall.gov", 1),
)
CARD_BRANDS = (("visa", 55), ("mastercard", 28), ("amex", 12), ("discover", 5))
GROWER_SUFFIXES = ("Family Farm", "Farm", "Gardens", "Acres", "Orchard", "Homestead", "Creamery")
STREETS = (
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Cedar Ln",
    "Elm St",
    "River Rd",
    "Hill Rd",
    "Park Ave",
)
CITIES = (("Springfield", "IL"), ("Madison", "WI"), ("Ithaca", "NY"), ("Asheville", "NC"))


# ---------------------------------------------------------------------------- database


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist (SQLite: its folder)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    if backend != "postgresql":
        return
    engine = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            )
            if not exists:
                quoted = conn.dialect.identifier_preparer.quote(parsed.database)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
                print(f"created database {parsed.database}")
    finally:
        engine.dispose()


def column_defaults(table) -> dict:
    """Each column's Python-side default (scalar or called), so bulk rows are complete."""
    values = {}
    for column in table.columns:
        default = column.default
        value = None
        if default is not None and getattr(default, "is_scalar", False):
            value = default.arg
        elif default is not None and getattr(default, "is_callable", False):
            value = default.arg(None)
        if isinstance(value, enum.Enum):
            value = value.value
        values[column.name] = value
    return values


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """COPY on PostgreSQL with psycopg 3; chunked executemany elsewhere."""
    if not rows:
        return
    defaults = column_defaults(table)
    names = [column.name for column in table.columns]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        preparer = conn.dialect.identifier_preparer
        columns = ", ".join(preparer.quote(name) for name in names)
        sql = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                merged = defaults | row
                copy.write_row([merged[name] for name in names])
        return
    complete = [defaults | row for row in rows]
    for start in range(0, len(complete), 10_000):
        conn.execute(table.insert(), complete[start : start + 10_000])


def lgadmin_table(metadata, name: str):
    """lgadmin's table of that name (its tables carry lgadmin's prefix)."""
    from lgadmin.extensions import TABLE_PREFIX

    return metadata.tables[TABLE_PREFIX + name]


def next_id(conn, table) -> int:
    return (conn.scalar(select(func.max(table.c.id))) or 0) + 1


def reset_sequences(conn, tables) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            )
        )


def delete_markets(conn, metadata, slugs) -> None:
    """Delete the markets and every row that hangs off them, through the foreign keys."""
    market = lgadmin_table(metadata, "market")
    doomed = {market.name: select(market.c.id).where(market.c.slug.in_(slugs))}
    conditions = {}
    for table in metadata.sorted_tables:
        if table is market:
            continue
        clauses = [
            fk.parent.in_(doomed[fk.column.table.name])
            for fk in table.foreign_keys
            if fk.column.table.name in doomed and fk.column.table is not table
        ]
        if clauses:
            conditions[table.name] = or_(*clauses)
            if "id" in table.c:
                doomed[table.name] = select(table.c.id).where(or_(*clauses))
    if conn.dialect.name == "postgresql" and conn.scalar(text("SHOW is_superuser")) == "on":
        # The rows go as a closure, so the per-row FK triggers (several on columns without
        # an index, such as account.created_by_id) would only make this quadratic.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
    for table in reversed(metadata.sorted_tables):
        if table.name in conditions:
            conn.execute(delete(table).where(conditions[table.name]))
    conn.execute(delete(market).where(market.c.slug.in_(slugs)))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = origin"))


# ---------------------------------------------------------------------------- data


def weighted(rng: random.Random, pairs):
    values = [value for value, _ in pairs]
    weights = [weight for _, weight in pairs]
    return lambda: rng.choices(values, weights)[0]


def market_rows(rng, market_id, count, ids, now, manager_hash=None) -> dict[str, list[dict]]:
    """`count` customers of one market, with their growers, cards, orders and ledger rows."""
    from lgadmin.accounts.search_text import account_search_text, duplicate_keys

    pick_domain = weighted(rng, DOMAINS)
    pick_brand = weighted(rng, CARD_BRANDS)
    out = {"account": [], "grower_profile": [], "payment_method": [], "orders": []}
    out["ledger_entry"] = []
    five_years = 5 * 365 * 86400
    for n in range(count):
        account_id = ids["account"]
        ids["account"] += 1
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        email = f"{local}{n}@{pick_domain()}"
        joined_at = now - timedelta(seconds=rng.randrange(five_years))
        roll = rng.random()
        if roll < 0.4:
            expires_on = None
        elif roll < 0.7:
            expires_on = now.date() - timedelta(days=rng.randrange(1, 730))
        else:
            expires_on = now.date() + timedelta(days=rng.randrange(0, 365))
        opted_out = rng.random() < 0.10
        city, region = rng.choice(CITIES)
        account = {
            "id": account_id,
            "market_id": market_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "phone": f"555-{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
            "address_line1": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
            "city": city,
            "region": region,
            "postal_code": f"{rng.randrange(10000, 99999)}",
            "joined_at": joined_at,
            "last_sign_in_at": joined_at + (now - joined_at) * rng.random(),
            "active": rng.random() >= 0.07,
            "is_manager": rng.random() < 0.01,
            "is_volunteer": rng.random() < 0.06,
            "is_wholesale": rng.random() < 0.02,
            "receives_mailings": not opted_out,
            "email_bounced_at": now - timedelta(days=rng.randrange(1, 400))
            if opted_out and rng.random() < 0.2
            else None,
            "line_position": rng.choices(("first_come", "first", "last"), (90, 5, 5))[0],
            "membership_expires_on": expires_on,
            "balance_cents": 0,
        }
        if n == 0 and manager_hash is not None:
            account.update(
                email=MANAGER_EMAIL,
                first_name="Bench",
                last_name="Manager",
                password_hash=manager_hash,
                active=True,
                is_manager=True,
            )
        # Written past the ORM, so the folded search text and the duplicate keys are filled
        # here as the model would.
        account["search_text"] = account_search_text(
            account["first_name"], account["last_name"], account["email"]
        )
        account |= duplicate_keys(
            account["email"], account["phone"], "US", account["first_name"], account["last_name"]
        )
        out["account"].append(account)

        if rng.random() < 0.05:
            out["grower_profile"].append(
                {
                    "id": ids["grower_profile"],
                    "market_id": market_id,
                    "account_id": account_id,
                    "name": f"{last} {rng.choice(GROWER_SUFFIXES)}",
                    "approval": rng.choices(("approved", "pending", "suspended"), (70, 20, 10))[0],
                    "created_at": joined_at,
                }
            )
            ids["grower_profile"] += 1

        if rng.random() < 0.30:
            account["stripe_customer_id"] = f"cus_bench_{account_id}"
            # Some have an older, non-default card too: the grid must pick the default one.
            for is_default in (True, False) if rng.random() < 0.1 else (True,):
                pm_id = ids["payment_method"]
                ids["payment_method"] += 1
                out["payment_method"].append(
                    {
                        "id": pm_id,
                        "account_id": account_id,
                        "stripe_payment_method_id": f"pm_bench_{pm_id}",
                        "brand": pick_brand(),
                        "last4": f"{rng.randrange(10000):04d}",
                        "exp_month": rng.randrange(1, 13),
                        "exp_year": now.year + rng.randrange(-2, 6),
                        "is_default": is_default,
                        "updated_at": joined_at,
                    }
                )

        if rng.random() < 0.20:
            order_id = ids["orders"]
            ids["orders"] += 1
            placed_at = joined_at + (now - joined_at) * rng.random()
            total = rng.randrange(500, 15000)
            on_balance = rng.random() < 0.5
            out["orders"].append(
                {
                    "id": order_id,
                    "market_id": market_id,
                    "account_id": account_id,
                    "placed_at": placed_at,
                    "total_cents": total,
                    "amount_due_cents": 0,
                    "balance_applied_cents": total if on_balance else 0,
                    "payment_choice": "balance" if on_balance else "card",
                    "paid_at": placed_at,
                }
            )
            if on_balance:  # charged to the balance: the customer owes it
                kind, amount, reason = "order", -total, f"Order #{order_id}"
            else:  # paid by card, plus a prepayment or a manager's credit
                kind = rng.choice(("prepayment", "adjustment"))
                amount = rng.randrange(500, 20000)
                reason = "Cash at pickup" if kind == "prepayment" else "Credit for missing item"
            out["ledger_entry"].append(
                {
                    "id": ids["ledger_entry"],
                    "market_id": market_id,
                    "account_id": account_id,
                    "kind": kind,
                    "amount_cents": amount,
                    "balance_after_cents": amount,
                    "reason_code": kind,
                    "reason_text": reason,
                    "order_id": order_id if kind == "order" else None,
                    "created_at": placed_at,
                }
            )
            ids["ledger_entry"] += 1
            account["balance_cents"] = amount
            # the order columns place_order keeps, as the app would have them
            account.update(order_count=1, total_spent_cents=total, last_order_at=placed_at)
    return out


def existing_counts(conn, metadata) -> dict[str, int]:
    market = lgadmin_table(metadata, "market")
    account = lgadmin_table(metadata, "account")
    rows = conn.execute(
        select(market.c.slug, func.count(account.c.id))
        .select_from(market)
        .outerjoin(account, account.c.market_id == market.c.id)
        .where(market.c.slug.in_((BENCH_SLUG, OTHER_SLUG)))
        .group_by(market.c.slug)
    ).all()
    return dict(rows)


def build(engine, metadata, customers: int) -> float:
    """Drop the bench markets' rows and write them again; returns the seconds it took."""
    from werkzeug.security import generate_password_hash

    from lgadmin.timeutil import utcnow

    started = time.perf_counter()
    tables = {name: lgadmin_table(metadata, name) for name in ("market", *TABLE_ORDER)}
    rng = random.Random(SEED)
    now = utcnow().replace(microsecond=0)  # naive UTC, as the app stores it
    manager_hash = generate_password_hash(MANAGER_PASSWORD, method="pbkdf2:sha256:1000")
    with engine.begin() as conn:
        delete_markets(conn, metadata, (BENCH_SLUG, OTHER_SLUG))
        ids = {name: next_id(conn, tables[name]) for name in ("market", *TABLE_ORDER)}
        markets = []
        for slug, name, count in (
            (BENCH_SLUG, "Bench Market", customers),
            (OTHER_SLUG, "Other Bench Market", OTHER_CUSTOMERS),
        ):
            # Written past the ORM: the market's kept customer count is filled here.
            markets.append({"id": ids["market"], "slug": slug, "name": name})
            markets[-1]["customer_count"] = count
            ids["market"] += 1
        bulk_insert(conn, tables["market"], markets)
        generated = {name: [] for name in TABLE_ORDER}
        for market, count, manager in (
            (markets[0], customers, manager_hash),
            (markets[1], OTHER_CUSTOMERS, None),
        ):
            rows = market_rows(rng, market["id"], count, ids, now, manager)
            for name in TABLE_ORDER:
                generated[name].extend(rows[name])
        generated_at = time.perf_counter()
        for name in TABLE_ORDER:
            bulk_insert(conn, tables[name], generated[name])
        reset_sequences(conn, tables.values())
    written_at = time.perf_counter()
    if engine.dialect.name == "postgresql":
        # VACUUM too, so every run starts from the same visibility map (index-only scans)
        # instead of whenever autovacuum happens to get to the fresh rows.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in tables.values():
                conn.execute(text(f"VACUUM (ANALYZE) {table.name}"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    done = time.perf_counter()
    counts = ", ".join(f"{len(rows):,} {name}" for name, rows in generated.items())
    print(
        f"built {counts} in {done - started:.1f} s (generate {generated_at - started:.1f} s, "
        f"write {written_at - generated_at:.1f} s, analyze {done - written_at:.1f} s)"
    )
    return done - started


# ---------------------------------------------------------------------------- baseline


def baseline_view():
    """The obvious Flask-Admin view of the same customers: relationships read per row."""
    from flask_admin.contrib.sqla import ModelView
    from markupsafe import Markup, escape

    from lgadmin.extensions import db
    from lgadmin.models import Account, PaymentMethod
    from lgadmin.money import format_money
    from lgadmin.tenancy import require_market

    def status_formatter(view, context, model, name):
        icons = []
        if model.is_manager:
            icons.append(("fa-shield", "Market manager"))
        if model.is_volunteer:
            icons.append(("fa-heart", "Market volunteer"))
        if model.grower is not None:
            icons.append(("fa-leaf", f"Also sells as a grower: {model.grower.name}"))
        if model.is_member:
            icons.append(("fa-star", f"Member until {model.membership_expires_on:%b %-d, %Y}"))
        card = db.session.scalars(
            select(PaymentMethod).where(
                PaymentMethod.account_id == model.id, PaymentMethod.is_default
            )
        ).first()
        if card is not None:
            icons.append(("fa-credit-card", f"{card.brand.title()} ending in {card.last4}"))
        if model.balance_cents < 0:
            icons.append(("fa-exclamation-triangle", "Negative balance"))
        if not model.receives_mailings:
            icons.append(("fa-envelope", "Opted out of newsletters"))
        return Markup("").join(
            Markup('<span class="fa {}" title="{}"></span>').format(fa, escape(tip))
            for fa, tip in icons
        )

    def balance_formatter(view, context, model, name):
        return format_money(model.balance_cents, require_market().currency)

    class BaselineCustomerView(ModelView):
        can_create = False
        can_edit = False
        can_delete = False
        can_view_details = True
        column_list = ("first_name", "last_name", "email", "status", "joined_at", "balance_cents")
        column_searchable_list = ("first_name", "last_name", "email")
        column_sortable_list = ("first_name", "last_name", "email", "joined_at", "balance_cents")
        column_formatters = {"status": status_formatter, "balance_cents": balance_formatter}
        page_size = PAGE_SIZE
        can_set_page_size = True
        page_size_options = (50, 100, 200, 500, 1000)

        def is_accessible(self):
            return True

        def get_query(self):
            return super().get_query().filter(Account.market_id == require_market().id)

        def get_count_query(self):
            return super().get_count_query().filter(Account.market_id == require_market().id)

    return BaselineCustomerView(
        Account,
        db,
        name="Baseline customers",
        endpoint="baseline_customers",
        url="/admin/baseline-customers",
    )


# ---------------------------------------------------------------------------- measuring


class StatementLog:
    """Every statement sent through the engine while `recording`, with its duration."""

    def __init__(self, engine):
        self.recording = False
        self.statements: list[tuple[str, object, float]] = []
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording:
            self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording and self._started:
            elapsed = time.perf_counter() - self._started.pop()
            self.statements.append((statement, parameters, elapsed))

    def start(self):
        self.statements, self._started, self.recording = [], [], True

    def stop(self):
        self.recording = False
        return self.statements


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def fetch(client, url: str, row_marker: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"FAIL: GET {url} answered {response.status_code}, not 200")
    rows = response.data.count(row_marker)
    if rows == 0:
        raise SystemExit(f"FAIL: GET {url} answered 200 but shows no rows")
    return elapsed, rows


def measure(client, log: StatementLog, url: str, requests: int, row_marker: bytes) -> dict:
    for _ in range(WARMUP):
        fetch(client, url, row_marker)
    times = []
    for _ in range(requests):
        elapsed, rows = fetch(client, url, row_marker)
        times.append(elapsed * 1000)
    log.start()
    fetch(client, url, row_marker)
    statements = log.stop()
    return {
        "url": url,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "statements": len(statements),
        "rows": rows,
        "sql": statements,
    }


def explain(engine, statement: str, parameters) -> str:
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or None
        ).all()
        conn.rollback()
    return "\n".join(row[0] for row in plan)


def scenarios(count: int) -> list[tuple[str, str]]:
    last_page = max(math.ceil(count / PAGE_SIZE) - 1, 0)
    return [
        ("first_page", ""),
        ("search_rob_by_balance", "?search=rob&sort=5"),
        ("email_domain", "?search=hotmail"),
        ("accent_free_search", "?search=siobhan"),
        ("page_size_1000", "?page_size=1000"),
        ("last_page", f"?page={last_page}"),
    ]


def misses(row: dict) -> list[str]:
    notes = []
    limit = TARGET_P50_1000_MS if row["scenario"] == "page_size_1000" else TARGET_P50_MS
    if row["p50_ms"] > limit:
        notes.append(f"p50 {row['p50_ms']:.1f} ms > {limit:.0f} ms")
    if row["statements"] > TARGET_STATEMENTS:
        notes.append(f"{row['statements']} statements > {TARGET_STATEMENTS}")
    if row["scenario"] == "page_size_1000" and row["ratio"] < TARGET_RATIO_1000:
        notes.append(f"only {row['ratio']:.1f}x the baseline < {TARGET_RATIO_1000:.0f}x")
    return notes


def print_table(results: list[dict]) -> None:
    header = (
        f"{'scenario':<22} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8} {'stmts':>5} | "
        f"{'base p50':>9} {'base p95':>9} {'stmts':>5} | {'ratio':>6}  targets"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        notes = misses(r)
        print(
            f"{r['scenario']:<22} {r['rows']:>5} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} "
            f"{r['statements']:>5} | {r['baseline_p50_ms']:>9.1f} {r['baseline_p95_ms']:>9.1f} "
            f"{r['baseline_statements']:>5} | {r['ratio']:>5.1f}x  "
            + ("MISSED: " + "; ".join(notes) if notes else "ok")
        )


# ---------------------------------------------------------------------------- insight (issue 10)

PREVIEW_CRITERIA = {"orders_more_than": "0", "last_order_within_days": "365", "active": "yes"}
FREQUENCY_CRITERIA = {"frequency_at_least": "0.1", "frequency_months": "12"}


def timed(client, method: str, url: str, data, marker: bytes) -> float:
    started = time.perf_counter()
    response = client.open(url, method=method, data=data)
    body = response.get_data()  # a streamed body is read to the end inside the timing
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or marker not in body:
        raise SystemExit(f"FAIL: {method} {url} answered {response.status_code} without {marker!r}")
    return elapsed


def measure_ours(client, log, name, method, url, data, requests, marker) -> dict:
    for _ in range(WARMUP):
        timed(client, method, url, data, marker)
    times = [timed(client, method, url, data, marker) * 1000 for _ in range(requests)]
    log.start()
    timed(client, method, url, data, marker)
    statements = log.stop()
    return {
        "scenario": name,
        "url": url,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "statements": len(statements),
    }


def insight_scenarios(app, client, log, requests: int) -> list[dict]:
    """Order-column sort and filter, a segment in the grid, segment previews, the metrics;
    and issue 13's screens: Possible duplicates over the whole market, a busy customer's details
    (with the first timeline page) and their full timeline."""
    from lgadmin.accounts.models import Account
    from lgadmin.extensions import db
    from lgadmin.markets.models import Market
    from lgadmin.segments.models import Segment

    with app.app_context():
        market = db.session.scalars(select(Market).where(Market.slug == BENCH_SLUG)).one()
        segment = db.session.scalars(
            select(Segment).where(Segment.market_id == market.id, Segment.name == "Bench")
        ).first() or Segment(market_id=market.id, name="Bench")
        segment.criteria = dict(PREVIEW_CRITERIA)
        db.session.add(segment)
        db.session.commit()
        segment_id = segment.id
        busiest = db.session.scalars(
            select(Account.id)
            .where(Account.market_id == market.id)
            .order_by(Account.order_count.desc(), Account.id)
            .limit(1)
        ).one()
    grid_row = b'<tr data-id="'
    scenarios = [
        ("sort_total_spent", "GET", "/admin/customers/?sort=7&desc=1", None, grid_row),
        (
            "filter_recent_buyers",
            "GET",
            "/admin/customers/?orders_more_than=0&last_order_within_days=365",
            None,
            grid_row,
        ),
        ("segment_in_grid", "GET", f"/admin/customers/?segment={segment_id}", None, grid_row),
        (
            "segment_preview",
            "POST",
            "/admin/segments/new",
            {"action": "preview", **PREVIEW_CRITERIA},
            b"lg-preview-count",
        ),
        (
            "segment_preview_frequency",
            "POST",
            "/admin/segments/new",
            {"action": "preview", **FREQUENCY_CRITERIA},
            b"lg-preview-count",
        ),
        ("metrics_cards", "GET", "/admin/customers/metrics?fragment=1", None, b"lg-metric-value"),
        ("possible_duplicates", "GET", "/admin/customers/duplicates/", None, b"lg-duplicate"),
        (
            "details_with_timeline",
            "GET",
            f"/admin/customers/details/?id={busiest}",
            None,
            b"lg-timeline-entry",
        ),
        (
            "timeline_page",
            "GET",
            f"/admin/customers/{busiest}/timeline",
            None,
            b"lg-timeline-entry",
        ),
    ]
    return [
        measure_ours(client, log, name, method, url, data, requests, marker)
        for name, method, url, data, marker in scenarios
    ]


def measure_csv_export(client, customers: int) -> dict:
    """The whole market as CSV through the app: time, then peak Python memory (tracemalloc)."""
    import tracemalloc

    url = "/admin/customers/export/csv"
    client.get(url).get_data()  # warm-up
    started = time.perf_counter()
    response = client.get(url)
    size, rows = 0, 0
    for chunk in response.response:  # streamed: read piece by piece, as a server would
        size += len(chunk)
        rows += chunk.count(b"\r\n")
    seconds = time.perf_counter() - started
    tracemalloc.start()
    traced = client.get(url)
    for _chunk in traced.response:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "scenario": "csv_export",
        "customers": customers,
        "rows": rows - 1,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(seconds, 2),
        "peak_traced_mb": round(peak / 1e6, 1),
        "max_rss_mb": round(resource_max_rss_mb(), 1),
    }


def resource_max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_insight_table(rows: list[dict], export: dict) -> None:
    print(f"\n{'insight scenario':<26} {'p50 ms':>8} {'p95 ms':>8} {'stmts':>5}")
    for r in rows:
        print(f"{r['scenario']:<26} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['statements']:>5}")
    print(
        f"\nCSV export: {export['rows']:,} rows, {export['megabytes']} MB in "
        f"{export['seconds']} s; peak traced Python memory {export['peak_traced_mb']} MB "
        f"(process max RSS {export['max_rss_mb']} MB)"
    )


# ---------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--json", required=True, metavar="OUT", help="where to write results")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per scenario")
    parser.add_argument(
        "--skip-build", action="store_true", help="reuse the data if it is already there"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of the slowest statement of each of our scenarios",
    )
    args = parser.parse_args(argv)
    if args.customers < 1 or args.requests < 1:
        parser.error("--customers and --requests must be at least 1")

    return in_temporary_instance(run, args)


def in_temporary_instance(run, args, prefix: str = "lgadmin-bench-") -> int:
    """`run(args, instance)` with lgadmin's instance folder a fresh one, removed afterwards."""
    instance = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["LGADMIN_INSTANCE_PATH"] = str(instance)
    try:
        return run(args, instance)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def run(args, instance: Path) -> int:
    ensure_database(args.database_url)

    from lgadmin import create_app
    from lgadmin.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "TESTING": False,
            "WTF_CSRF_ENABLED": False,
            "LGADMIN_OUTBOX": str(instance / "outbox"),
            # csv_export times the streamed writer in the request, as before exports became
            # jobs; the job itself is timed by benchmarks/exports.py.
            "LGADMIN_EXPORT_IMMEDIATE_ROWS": 10**9,
        }
    )
    # Before the first request: Flask refuses new blueprints once it has served one.
    (admin,) = [a for a in app.extensions["admin"] if a.app is app]
    admin.add_view(baseline_view())

    # No app context stays pushed while requests run: each request must get its own
    # (its own `g` and session), as it would behind a real server.
    with app.app_context():
        db.create_all()
        engine = db.engine
        with engine.connect() as conn:
            counts = existing_counts(conn, db.metadata)
        have = counts.get(BENCH_SLUG)
        if args.skip_build and have == args.customers and counts.get(OTHER_SLUG):
            build_seconds = None
            print(f"build skipped: market {BENCH_SLUG!r} already has {have:,} customers")
        else:
            if args.skip_build:
                print(f"building anyway: market {BENCH_SLUG!r} has {have or 0:,} customers")
            build_seconds = build(engine, db.metadata, args.customers)
        db.session.remove()
    log = StatementLog(engine)

    client = app.test_client()
    response = client.post(
        f"/m/{BENCH_SLUG}/sign-in", data={"email": MANAGER_EMAIL, "password": MANAGER_PASSWORD}
    )
    if response.status_code != 302 or "sign-in" in response.headers.get("Location", ""):
        raise SystemExit(f"FAIL: signing in as {MANAGER_EMAIL} answered {response.status_code}")

    print(
        f"\n{engine.dialect.name}, {args.customers:,} customers, "
        f"{WARMUP} warm-up + {args.requests} timed requests per scenario"
    )
    results = []
    for name, query in scenarios(args.customers):
        ours = measure(client, log, "/admin/customers/" + query, args.requests, b'<tr data-id="')
        base = measure(
            client,
            log,
            "/admin/baseline-customers/" + query,
            args.requests,
            b'<td class="col-email">',
        )
        row = {
            "scenario": name,
            "p50_ms": ours["p50_ms"],
            "p95_ms": ours["p95_ms"],
            "statements": ours["statements"],
            "baseline_p50_ms": base["p50_ms"],
            "baseline_statements": base["statements"],
            "ratio": round(base["p50_ms"] / ours["p50_ms"], 2),
            "rows": ours["rows"],
            "customers": args.customers,
            "baseline_p95_ms": base["p95_ms"],
            "baseline_rows": base["rows"],
            "url": ours["url"],
            "baseline_url": base["url"],
            "requests": args.requests,
            "database": engine.dialect.name,
            "build_seconds": round(build_seconds, 2) if build_seconds is not None else None,
            "sql": [
                {"ms": round(seconds * 1000, 3), "statement": " ".join(statement.split())}
                for statement, _, seconds in ours["sql"]
            ],
        }
        if ours["rows"] != base["rows"]:
            print(f"note: {name}: ours shows {ours['rows']} rows, the baseline {base['rows']}")
        results.append(row)
        if args.explain and engine.dialect.name == "postgresql":
            statement, parameters, seconds = max(ours["sql"], key=lambda s: s[2])
            print(f"\n== {name}: slowest statement ({seconds * 1000:.1f} ms)\n{statement}")
            print(f"-- parameters: {parameters}\n{explain(engine, statement, parameters)}")

    insight = insight_scenarios(app, client, log, args.requests)
    export = measure_csv_export(client, args.customers)
    results.extend(insight)
    results.append(export)

    print()
    if build_seconds is not None:
        print(f"build time: {build_seconds:.1f} s")
    print_table([r for r in results if "baseline_p50_ms" in r])
    print_insight_table(insight, export)
    Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

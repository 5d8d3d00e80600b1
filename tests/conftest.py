"""The app once per run, a clean database per test, and the clock the run chooses.

SQLite by default; PostgreSQL and Redis when LGADMIN_TEST_DATABASE_URL and
LGADMIN_TEST_REDIS_URL are set. With LGADMIN_TEST_REQUIRE_SERVICES=1 a test
that needs a service it cannot have fails instead of skipping.

LGADMIN_TEST_NOW (an ISO 8601 instant, e.g. 2026-12-01T00:36:00Z) starts the
whole run's clock there, ticking on; unset, the run reads the real clock.
.ci/run uses it for the instants where dates go wrong: just after midnight UTC
while the markets' day is still the previous one, a month's last day, 29
February and a daylight-saving change. A test that needs its own instant moves
the clock with time-machine's `time_machine` fixture.

The people and places most tests need, one copy for the whole suite:

- `market`: Athens Locally Grown (slug `athens`, New York time), optional features at
  their defaults; `other_market`: Other Market (slug `other`), for tenancy checks.
- `manager`: Maria Lopez (manager@athens.org), manager of `market`.
- `staff`: Casey Support (casey@athens.org), customer support staff of `market`.
- `shopper`: Sam Shopper (sam@example.org), a customer of `market`.
- `client`: an anonymous test client; `manager_client`, `staff_client` and
  `shopper_client`: a client signed in as that person through the real form.
- `signed_in(account)`: a new client signed in as any other account.

A test file that needs a variant (a market with a setting on, a differently named person)
keeps a local fixture with its own descriptive name; it does not redefine these.
"""

import contextvars
import os
import re
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

TEST_NOW = os.environ.get("LGADMIN_TEST_NOW") or None
if TEST_NOW:
    # Started before any test module is imported, so module-level timestamps see it too.
    time_machine.travel(datetime.fromisoformat(TEST_NOW), tick=True).start()

_TMP = Path(tempfile.mkdtemp(prefix="lgadmin-tests-"))
os.environ["LGADMIN_INSTANCE_PATH"] = str(_TMP / "instance")
for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER", "LGADMIN_ENV"):
    os.environ.pop(name, None)

# Property tests judge rules, not speed: a busy machine must not fail them (no deadline, no
# "generation is slow" check).
settings.register_profile("lgadmin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lgadmin")

from lgadmin import create_app  # noqa: E402
from lgadmin.extensions import db, limiter  # noqa: E402
from lgadmin.staff.roles import StaffRole  # noqa: E402
from tests.factories import PASSWORD, AccountFactory, MarketFactory  # noqa: E402

DATABASE_URL = os.environ.get("LGADMIN_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
REDIS_URL = os.environ.get("LGADMIN_TEST_REDIS_URL") or None
REQUIRE_SERVICES = os.environ.get("LGADMIN_TEST_REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = REQUIRE_SERVICES or os.environ.get("LGADMIN_TEST_REQUIRE_BROWSER") == "1"
CHROMIUM = "/usr/bin/chromium"


def needs(what: str, available: bool, required: bool = REQUIRE_SERVICES):
    if available:
        return
    if required:
        pytest.fail(f"{what} is required in this run but not configured")
    pytest.skip(f"{what} not configured")


class RequestIsolatedClient(FlaskClient):
    """Each request gets its own app context, g and database session, as in production.

    Flask reuses an app context that is already pushed (the test's own), which
    would share g and the session between the test and its requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
            "REDIS_URL": None,
            "LGADMIN_OUTBOX": str(_TMP / "outbox"),
            "SERVER_NAME": None,
        }
    )
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    limiter.reset()


@pytest.fixture(autouse=True)
def _clean_database(app):
    with app.app_context():
        yield
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        for attempt in range(3):
            try:
                _empty(tables)
                break
            except OperationalError:
                # A browser page's late fetch (the grid's metrics cards) can still be served
                # by the live server; PostgreSQL then picks our TRUNCATE as a deadlock victim.
                if attempt == 2:
                    raise
                time.sleep(0.5)


def _empty(tables: list[str]) -> None:
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def is_postgres(app) -> bool:
    return DATABASE_URL.startswith("postgresql")


@pytest.fixture
def postgres_url():
    needs("PostgreSQL (LGADMIN_TEST_DATABASE_URL)", DATABASE_URL.startswith("postgresql"))
    return DATABASE_URL


@pytest.fixture
def redis_url():
    needs("Redis (LGADMIN_TEST_REDIS_URL)", REDIS_URL is not None)
    return REDIS_URL


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1) or match.group(2)


def sign_in(client, account, password: str = PASSWORD, email: str | None = None):
    """Sign in through the real form; returns the response."""
    config = client.application.config
    path = (
        f"{config['LGADMIN_SHOP_URL']}/{account.market.slug}/sign-in"
        if account.market_id
        else f"{config['LGADMIN_URL_PREFIX']}/sign-in"
    )
    token = csrf_token_from(client.get(path).get_data(as_text=True))
    data = {"email": email or account.email, "password": password, "csrf_token": token}
    return client.post(path, data=data)


@pytest.fixture
def signed_in(app):
    """sign_in(account) -> a new test client signed in as that account."""

    def _sign_in(account):
        client = app.test_client()
        response = sign_in(client, account)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _sign_in


@pytest.fixture
def market():
    return MarketFactory(name="Athens Locally Grown", slug="athens")


@pytest.fixture
def other_market():
    return MarketFactory(name="Other Market", slug="other")


@pytest.fixture
def manager(market):
    return AccountFactory(
        market=market,
        manager=True,
        first_name="Maria",
        last_name="Lopez",
        email="manager@athens.org",
    )


@pytest.fixture
def staff(market):
    return AccountFactory(
        market=market,
        staff_role=StaffRole.CUSTOMER_SUPPORT,
        first_name="Casey",
        last_name="Support",
        email="casey@athens.org",
    )


@pytest.fixture
def shopper(market):
    return AccountFactory(
        market=market, first_name="Sam", last_name="Shopper", email="sam@example.org"
    )


@pytest.fixture
def manager_client(manager, signed_in):
    return signed_in(manager)


@pytest.fixture
def staff_client(staff, signed_in):
    return signed_in(staff)


@pytest.fixture
def shopper_client(shopper, signed_in):
    return signed_in(shopper)


@contextmanager
def counting_statements():
    """Count the SQL statements run inside the block (yields a list to len())."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        needs("Chromium at /usr/bin/chromium", False, required=REQUIRE_BROWSER)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def mailbox(app):
    from tests.onboarding.helpers import Mailbox

    return Mailbox(Path(app.config["LGADMIN_OUTBOX"]))


def pytest_report_header(config):
    return f"clock: {TEST_NOW or 'the real clock'}"

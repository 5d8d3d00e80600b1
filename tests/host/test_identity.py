"""Identity belongs to the host (issue 22, point 2): a host app with its own users and
LoginManager, lgadmin installed into it with an identity adapter.

A host user is never an lgadmin superuser, manager or customer unless the adapter says so:
the host's user 1 is not lgadmin's account 1 (a superuser), the host's user loader stays
the host's, and a host user the adapter maps to a manager sees that market only.

The host app is this module's own, on its own temporary SQLite database; it shares
lgadmin's `db` for now (the host's own Flask-SQLAlchemy is another part of issue 22).
"""

import tempfile
from pathlib import Path

import pytest
from flask import Flask, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lgadmin import LGAdmin
from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.identity import HostIdentityRequired, NoAccess, SeatInSession
from tests.conftest import RequestIsolatedClient, csrf_token_from
from tests.factories import PASSWORD, AccountFactory, MarketFactory, SuperuserFactory


class HostBase(DeclarativeBase):
    """The host's own models: not lgadmin's metadata, so lgadmin's suite never sees them."""


class HostUser(UserMixin, HostBase):
    __tablename__ = "host_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class HostIdentity(SeatInSession):
    """What a host writes: its users are nobody to lgadmin unless `accounts` names them.
    Act-as (the seat swap) is off until a test turns `swaps_seats` on."""

    swaps_seats = False

    def __init__(self):
        self.accounts: dict[int, int] = {}  # host user id -> lgadmin account id

    def host_account(self):
        if not current_user.is_authenticated or current_user.id not in self.accounts:
            return None
        return db.session.get(Account, self.accounts[current_user.id])

    def load_account(self, account_id: int):
        return db.session.get(Account, account_id)

    def sign_in_host_user(self, account) -> bool:
        host_ids = [user for user, mapped in self.accounts.items() if mapped == account.id]
        if not host_ids:
            return False
        login_user(db.session.get(HostUser, host_ids[0]))
        return True


def build_host_app(database: Path, identity) -> Flask:
    app = Flask("host_app")
    app.config.update(
        TESTING=True,
        SECRET_KEY="host-secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        LGADMIN_OUTBOX=str(database.parent / "outbox"),
    )
    db.init_app(app)
    logins = LoginManager(app)
    logins.login_view = "host_login"

    @logins.user_loader
    def load_host_user(user_id: str):
        return db.session.get(HostUser, int(user_id))

    @app.route("/login", methods=["GET", "POST"])
    def host_login():
        if request.method == "POST":
            login_user(db.session.get(HostUser, int(request.form["user_id"])))
            return redirect(request.args.get("next") or url_for("whoami"))
        return "the host's login page"

    @app.route("/whoami")
    def whoami():
        if not current_user.is_authenticated:
            return "nobody"
        return f"{type(current_user._get_current_object()).__name__} {current_user.name}"

    LGAdmin(app, identity=identity)
    # The host's login form is the host's business; lgadmin's CSRF must not refuse it
    # (scoping CSRF to lgadmin's own forms is another part of issue 22).
    if "csrf" in app.extensions:
        app.extensions["csrf"].exempt(host_login)
    app.test_client_class = RequestIsolatedClient
    return app


@pytest.fixture(scope="module")
def host():
    folder = Path(tempfile.mkdtemp(prefix="lgadmin-host-"))
    identity = HostIdentity()
    return build_host_app(folder / "host.db", identity), identity


@pytest.fixture
def host_app(host):
    app, identity = host
    identity.accounts.clear()
    identity.swaps_seats = False
    with app.app_context():
        db.create_all()
        HostBase.metadata.create_all(db.engine)
        yield app
        db.session.remove()
        HostBase.metadata.drop_all(db.engine)
        db.drop_all()


@pytest.fixture
def superuser_one(host_app):
    """lgadmin's platform superuser, account 1: what the host's user 1 used to become."""
    superuser = SuperuserFactory(email="root@platform.example.org")
    assert superuser.id == 1
    return superuser


@pytest.fixture
def host_user_one(host_app):
    user = HostUser(id=1, name="Hannah Host")
    db.session.add(user)
    db.session.commit()
    return user


def host_signed_in(app, user_id: int = 1):
    client = app.test_client()
    response = client.post("/login", data={"user_id": user_id})
    assert response.status_code == 302
    return client


ADMIN_PAGES = [
    "/admin/",
    "/admin/customers/",
    "/admin/customers/details/?id=1",
    "/admin/segments/",
    "/admin/audit-log/",
    "/admin/act-as-log/",
    "/admin/outbox/",
    "/admin/market-settings/",
]


def test_a_host_with_its_own_login_and_no_adapter_is_refused_at_start_up(tmp_path):
    app = Flask("host_without_adapter")
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.db'}", SECRET_KEY="s")
    db.init_app(app)
    LoginManager(app)
    with pytest.raises(HostIdentityRequired, match="identity adapter"):
        LGAdmin(app)


def test_a_login_manager_set_up_after_lgadmin_is_refused_not_trusted(tmp_path):
    """The host's loader would otherwise load lgadmin's sessions as host users, and back."""
    app = Flask("host_login_after_lgadmin")
    app.config.update(
        TESTING=True,
        SECRET_KEY="s",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'late.db'}",
        LGADMIN_OUTBOX=str(tmp_path / "outbox"),
    )
    LGAdmin(app)
    LoginManager(app)
    with app.app_context():
        db.create_all()
        with pytest.raises(HostIdentityRequired, match="set up after lgadmin"):
            app.test_client().get("/admin/")
        db.session.remove()


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_host_user_one_is_not_lgadmins_superuser_account_one(
    host_app, superuser_one, host_user_one, path
):
    client = host_signed_in(host_app)
    assert client.get("/whoami").get_data(as_text=True) == "HostUser Hannah Host"
    response = client.get(path)
    assert response.status_code == 403, (path, response.status_code)
    # Still the host's own user afterwards: lgadmin replaced no user loader.
    assert client.get("/whoami").get_data(as_text=True) == "HostUser Hannah Host"
    assert db.session.get(Account, 1).is_superuser


def test_nobody_signed_in_is_sent_to_the_hosts_login(host_app):
    response = host_app.test_client().get("/admin/customers/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_lgadmins_sign_in_cant_put_an_lgadmin_account_in_the_hosts_session(
    host_app, superuser_one, host_user_one
):
    """Signing in as account 1 on lgadmin's own page would make the host load its user 1."""
    client = host_app.test_client()
    page = client.get("/lgadmin/sign-in")
    data = {
        "email": superuser_one.email,
        "password": PASSWORD,
        "csrf_token": csrf_token_from(page.get_data(as_text=True)),
    }
    assert client.post("/lgadmin/sign-in", data=data).status_code == 403
    assert client.get("/whoami").get_data(as_text=True) == "nobody"
    assert client.get("/admin/").status_code == 302


def test_the_shop_doesnt_know_a_host_user(host_app, host_user_one):
    market = MarketFactory(slug="athens")
    AccountFactory(id=1, market=market)  # lgadmin's customer 1 of the market
    client = host_signed_in(host_app)
    response = client.get("/lgadmin/m/athens/account")
    assert response.status_code == 302
    assert "/lgadmin/m/athens/sign-in" in response.headers["Location"]


def test_no_access_maps_nobody(tmp_path):
    app = build_host_app(tmp_path / "no_access.db", NoAccess())
    with app.app_context():
        db.create_all()
        HostBase.metadata.create_all(db.engine)
        SuperuserFactory()
        db.session.add(HostUser(id=1, name="Hannah Host"))
        db.session.commit()
        client = host_signed_in(app)
        assert client.get("/admin/").status_code == 403
        assert client.get("/whoami").get_data(as_text=True) == "HostUser Hannah Host"
        db.session.remove()


@pytest.fixture
def two_markets(host_app):
    market_a = MarketFactory(name="Market A", slug="market-a")
    market_b = MarketFactory(name="Market B", slug="market-b")
    manager_a = AccountFactory(market=market_a, manager=True, first_name="Mara")
    ours = AccountFactory(market=market_a, first_name="Ophelia", last_name="Ours")
    theirs = AccountFactory(market=market_b, first_name="Theo", last_name="Theirs")
    return manager_a, ours, theirs


def test_a_host_user_mapped_to_a_manager_sees_that_market_only(
    host, host_app, superuser_one, host_user_one, two_markets
):
    _, identity = host
    manager_a, ours, theirs = two_markets
    identity.accounts[1] = manager_a.id
    client = host_signed_in(host_app)

    grid = client.get("/admin/customers/")
    assert grid.status_code == 200
    page = grid.get_data(as_text=True)
    assert "Ophelia" in page and "Theo" not in page
    assert client.get(f"/admin/customers/details/?id={ours.id}").status_code == 200
    assert client.get(f"/admin/customers/details/?id={theirs.id}").status_code == 404
    # A manager, not the superuser: the superuser's screens stay closed.
    assert client.get("/admin/outbox/").status_code == 403
    assert client.get("/whoami").get_data(as_text=True) == "HostUser Hannah Host"


def test_act_as_is_refused_when_the_adapter_cant_swap_seats(
    host, host_app, host_user_one, two_markets
):
    _, identity = host
    manager_a, ours, _ = two_markets
    identity.accounts[1] = manager_a.id
    client = host_signed_in(host_app)
    path = f"/admin/customers/{ours.id}/act-as"
    page = client.get(path)
    assert page.status_code == 200
    data = {"reason": "Helping with an order", "csrf_token": csrf_token_from(page.text)}
    assert client.post(path, data=data).status_code == 403
    # Still the host's user, still the manager: nobody's seat was taken.
    assert client.get("/whoami").get_data(as_text=True) == "HostUser Hannah Host"
    assert client.get("/admin/customers/").status_code == 200


def test_act_as_in_a_host_app_swaps_the_seat_and_back(host, host_app, host_user_one, two_markets):
    _, identity = host
    manager_a, ours, _ = two_markets
    identity.accounts[1] = manager_a.id
    identity.swaps_seats = True
    client = host_signed_in(host_app)
    path = f"/admin/customers/{ours.id}/act-as"
    token = csrf_token_from(client.get(path).text)
    started = client.post(path, data={"reason": "Phone order", "csrf_token": token})
    assert started.status_code == 302
    assert started.headers["Location"].endswith("/lgadmin/m/market-a/")

    # In the seat: the shopper's pages as the shopper; the admin closed; the host's own
    # sign-in is put aside until the seat is left.
    account_page = client.get("/lgadmin/m/market-a/account")
    assert account_page.status_code == 200
    assert "Ophelia" in account_page.text
    assert client.get("/admin/customers/").status_code == 403
    assert client.get("/whoami").text == "nobody"

    ended = client.post(
        "/lgadmin/act-as/end", data={"csrf_token": csrf_token_from(account_page.text)}
    )
    assert ended.status_code == 302
    assert ended.headers["Location"].endswith(f"/admin/customers/details/?id={ours.id}")
    assert client.get("/whoami").text == "HostUser Hannah Host"
    assert client.get("/admin/customers/").status_code == 200

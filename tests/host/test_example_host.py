"""The README's worked example, examples/host_app, built fresh and used as its people would:
a host with its own users and login page, its own Admin with ModelViews, an `auth`
blueprint, `product` and `orders` tables and its own migrations, and lgadmin added with
`LGAdmin(app, admin=admin, db=db, identity=...)`."""

import re

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, Integer, String, Table, inspect, select

from examples.host_app.models import Order, Product, db
from lgadmin import LGAdmin
from lgadmin.accounts.models import Account, Comment
from lgadmin.extensions import db as lgadmin_db
from lgadmin.identity import NoAccess
from lgadmin.plugin import PluginClash
from lgadmin.schema import VERSION_TABLE, exclude_lgadmin_tables
from tests.foundation.test_migrations_beside_a_host import empty_database  # noqa: F401
from tests.host.example import (
    HOST_MIGRATIONS,
    PASSWORD,
    build_example,
    host_user,
    lgadmin_account,
    run,
)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    return build_example(f"sqlite:///{folder / 'green_valley.db'}", folder)


def token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def host_login(client, email: str):
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token(page.text)}
    )


def signed_in(example, email: str):
    client = example.test_client()
    assert host_login(client, email).status_code == 302
    return client


def test_lgadmins_screens_join_the_hosts_admin_in_a_menu_of_their_own(example):
    client = signed_in(example, "manager@greenvalley.test")
    index = client.get("/admin/").text
    menu = re.search(r"dropdown-toggle[^>]*>(?:\s|<!--[^>]*-->)*Customers<", index)
    assert menu, "no Customers menu in the host's navbar"
    for screen in ("/admin/lgadmin/customers/", "/admin/lgadmin/segments/", "/admin/lgadmin/"):
        assert f'href="{screen}"' in index
    owner_index = signed_in(example, "owner@greenvalley.test").get("/admin/").text
    assert 'href="/admin/product/"' in owner_index  # the host's own views, in its own menu

    grid = client.get("/admin/lgadmin/customers/")
    assert grid.status_code == 200
    with example.app_context():
        manager = lgadmin_account(host_user("manager@greenvalley.test"))
        market_customers = lgadmin_db.session.scalars(
            select(Account.email).where(Account.market_id == manager.market_id)
        ).all()
    assert any(email in grid.text for email in market_customers)
    # Inside the host Admin's own layout (its base template's footer), with lgadmin's frame.
    assert 'id="host-footer"' in grid.text
    assert "lgadmin.css" in grid.text
    # The host's screens follow the host's rules: this user is no host admin.
    assert client.get("/admin/product/").status_code == 302


def test_lgadmin_works_in_the_hosts_session_and_transaction(example):
    with example.app_context():
        assert lgadmin_db.session() is db.session()
        manager = lgadmin_account(host_user("manager@greenvalley.test"))
        product = db.session.scalars(select(Product)).first()
        db.session.add(Order(user_id=host_user("visitor@greenvalley.test").id, product=product))
        db.session.add(Comment(account_id=manager.id, market_id=manager.market_id, body="x"))
        db.session.flush()
        db.session.rollback()  # one transaction: both go
        assert db.session.scalar(select(Order.id)) is None
        assert not lgadmin_db.session.scalars(select(Comment).where(Comment.body == "x")).all()


def test_host_user_one_is_not_lgadmins_superuser_account_one(example):
    with example.app_context():
        owner = host_user("owner@greenvalley.test")
        assert owner.id == 1 and lgadmin_db.session.get(Account, 1).is_superuser
    client = signed_in(example, "owner@greenvalley.test")
    assert client.get("/admin/product/").status_code == 200  # the host's admin: theirs
    for path in ("/admin/lgadmin/", "/admin/lgadmin/customers/", "/admin/lgadmin/market-settings/"):
        assert client.get(path).status_code == 403, path
    assert "Customers" not in re.sub(r"<title>.*?</title>", "", client.get("/admin/").text)


def test_a_host_user_with_no_lgadmin_account_is_refused_and_nobody_goes_to_the_hosts_login(
    example,
):
    visitor = signed_in(example, "visitor@greenvalley.test")
    assert visitor.get("/admin/lgadmin/customers/").status_code == 403
    anonymous = example.test_client()
    response = anonymous.get("/admin/lgadmin/customers/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_the_hosts_own_pages_keep_their_rules(example):
    client = example.test_client()
    home = client.get("/")
    assert "Content-Security-Policy" not in home.headers
    assert "X-Frame-Options" not in home.headers
    # The host's CSRFProtect still guards the host's login; lgadmin's doesn't add to it.
    refused = client.post("/login", data={"email": "owner@greenvalley.test", "password": PASSWORD})
    assert refused.status_code == 400
    assert host_login(client, "owner@greenvalley.test").status_code == 302
    # lgadmin's pages get lgadmin's headers.
    assert "Content-Security-Policy" in client.get("/lgadmin/healthz").headers


def test_every_name_and_path_lgadmin_adds_is_its_own(example):
    host = {"admin", "auth", "pages", "product", "order"}
    for rule in example.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if blueprint in host or rule.endpoint == "static":
            continue
        assert blueprint.startswith("lgadmin"), rule.endpoint
        assert rule.rule.startswith(("/lgadmin", "/admin/lgadmin")), rule.rule
    assert set(db.metadata.tables) == {"users", "product", "orders"}
    assert all(table.startswith("lgadmin_") for table in lgadmin_db.metadata.tables)


def test_shopper_pages_take_the_hosts_layout_and_its_template_overrides(example):
    with example.app_context():
        manager = lgadmin_account(host_user("manager@greenvalley.test"))
        slug = manager.market.slug
        shopper = lgadmin_db.session.scalars(
            select(Account).where(
                Account.market_id == manager.market_id,
                Account.is_manager.is_(False),
                Account.staff_role.is_(None),
                Account.active.is_(True),
            )
        ).first()
        # The host says which lgadmin account its user is: here, a customer of the market.
        host_user("visitor@greenvalley.test").lgadmin_account_id = shopper.id
        db.session.commit()
    try:
        client = signed_in(example, "visitor@greenvalley.test")
        page = client.get(f"/lgadmin/m/{slug}/")
        assert page.status_code == 200
        assert '<a class="navbar-brand" href="/">Green Valley</a>' in page.text  # host layout
        assert 'id="host-user"' in page.text
        assert "lgadmin.css" in page.text
        # The host's own lgadmin/shop/_nav.html, chosen over lgadmin's by its name.
        assert 'id="host-home-link"' in page.text
        assert client.get("/admin/lgadmin/customers/").status_code == 403  # a customer
    finally:
        with example.app_context():
            host_user("visitor@greenvalley.test").lgadmin_account_id = None
            db.session.commit()


@pytest.mark.slow
@pytest.mark.parametrize("host_first", [True, False], ids=["host first", "lgadmin first"])
def test_both_chains_migrate_in_either_order_and_back(empty_database, tmp_path, host_first):  # noqa: F811
    app = build_example(empty_database, tmp_path, host_first=host_first)
    with app.app_context():
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"users", "product", "orders", "lgadmin_account", "lgadmin_orders"} <= tables
            # The host's autogenerate sees nothing to do: lgadmin's tables aren't its business.
            context = MigrationContext.configure(
                conn, opts={"include_object": exclude_lgadmin_tables, "compare_type": True}
            )
            assert compare_metadata(context, db.metadata) == []
        run(app, "lgadmin", "db-downgrade", "base")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert {"users", "product", "orders"} <= tables
            assert {t for t in tables if t.startswith("lgadmin_")} <= {VERSION_TABLE}
            assert conn.scalar(select(Table("users", db.metadata).c.id).limit(1)) is not None
        run(app, "lgadmin", "db-upgrade")
        flask_migrate.downgrade(directory=HOST_MIGRATIONS, revision="base")
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert not {"users", "product", "orders"} & tables and "lgadmin_account" in tables
        db.engine.dispose()


def bare_host(**config) -> Flask:
    app = Flask("clashing_host")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    return app


def test_an_admin_already_holding_lgadmins_endpoint_is_one_clear_error():
    app = bare_host()
    host_db = SQLAlchemy()
    host_db.init_app(app)
    admin = Admin(app)
    admin.add_view(ModelView(Product, host_db.session, endpoint="lgadmin_customers"))
    with pytest.raises(PluginClash, match="lgadmin_customers"):
        LGAdmin(app, admin=admin, db=host_db, identity=NoAccess())


def test_a_host_table_named_like_lgadmins_is_one_clear_error():
    app = bare_host()
    host_db = SQLAlchemy()
    Table("lgadmin_account", host_db.metadata, Column("id", Integer, primary_key=True))
    Table("widgets", host_db.metadata, Column("name", String(20), primary_key=True))
    host_db.init_app(app)
    with pytest.raises(PluginClash, match="lgadmin_account"):
        LGAdmin(app, db=host_db, identity=NoAccess())


def test_a_path_the_host_already_answers_is_one_clear_error_naming_the_setting():
    app = bare_host()

    @app.route("/lgadmin/healthz")
    def hosts_health():
        return "ok"

    with pytest.raises(PluginClash, match="/lgadmin/healthz.*LGADMIN_URL_PREFIX"):
        LGAdmin(app, identity=NoAccess())
    moved = bare_host(LGADMIN_HEALTH_URL="/lgadmin/health")
    moved.add_url_rule("/lgadmin/healthz", "hosts_health", lambda: "ok")
    LGAdmin(moved, identity=NoAccess())
    assert moved.test_client().get("/lgadmin/health").status_code == 200
    assert moved.test_client().get("/lgadmin/healthz").text == "ok"


def test_a_host_blueprint_with_one_of_lgadmins_names_is_one_clear_error():
    app = bare_host()
    app.register_blueprint(Blueprint("lgadmin_shop", __name__))
    with pytest.raises(PluginClash, match="lgadmin_shop"):
        LGAdmin(app, identity=NoAccess())


def test_the_hosts_int_routes_keep_flasks_converter_and_lgadmins_ids_stay_bounded(example):
    from werkzeug.routing import IntegerConverter

    from lgadmin.urls import IdConverter

    assert example.url_map.converters["int"] is IntegerConverter
    assert example.url_map.converters["lgadmin_id"] is IdConverter
    client = signed_in(example, "manager@greenvalley.test")
    too_long = "9" * 30
    assert client.get(f"/admin/lgadmin/customers/{too_long}/act-as").status_code == 404

"""lgadmin's migration chain beside a host app's own: separate version tables, either order,
downgrades, and a host autogenerate that leaves lgadmin's tables alone."""

import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    make_url,
    text,
)

from lgadmin import create_app
from lgadmin.cli import lgadmin_cli
from lgadmin.extensions import db
from lgadmin.schema import VERSION_TABLE, exclude_lgadmin_tables

# A convention many Flask apps use, naming the host's primary key pk_product: had lgadmin kept
# its own pk_product, PostgreSQL would refuse the second one.
HOST_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

HOST_REVISION = '''"""the host's products

Revision ID: host0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "host0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
    )


def downgrade():
    op.drop_table("product")
'''


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    postgres_url = request.getfixturevalue("postgres_url")
    name = f"lgadmin_host_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(postgres_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def host_app(url: str, migrations) -> tuple[Flask, SQLAlchemy]:
    """A host with its own Flask-SQLAlchemy (its own naming convention), its own `product`
    table and its own Flask-Migrate chain, given lgadmin's include_object helper."""
    app = Flask("host")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    host_db = SQLAlchemy(metadata=MetaData(naming_convention=HOST_CONVENTION))
    Table(
        "product",
        host_db.metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(80), nullable=False),
    )
    host_db.init_app(app)
    flask_migrate.Migrate(
        app, host_db, directory=str(migrations), include_object=exclude_lgadmin_tables
    )
    app.cli.add_command(lgadmin_cli)
    with app.app_context():
        flask_migrate.init(directory=str(migrations))
    (migrations / "versions" / "host0001_products.py").write_text(HOST_REVISION)
    return app, host_db


def versions(conn) -> dict:
    tables = set(inspect(conn).get_table_names())
    return {
        table: sorted(conn.scalars(text(f"SELECT version_num FROM {table}")))
        for table in ("alembic_version", VERSION_TABLE)
        if table in tables
    }


def lgadmin(app, *args) -> None:
    result = app.test_cli_runner().invoke(args=["lgadmin", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)


@pytest.mark.slow
@pytest.mark.parametrize("host_first", [True, False], ids=["host first", "lgadmin first"])
def test_host_and_lgadmin_migrate_side_by_side(empty_database, tmp_path, host_first):
    app, host_db = host_app(empty_database, tmp_path / "host_migrations")
    host_directory = str(tmp_path / "host_migrations")
    with app.app_context():
        if host_first:
            flask_migrate.upgrade(directory=host_directory)
            lgadmin(app, "db-upgrade")
        else:
            lgadmin(app, "db-upgrade")
            flask_migrate.upgrade(directory=host_directory)
        with host_db.engine.connect() as conn:
            assert versions(conn) == {"alembic_version": ["host0001"], VERSION_TABLE: ["outbox01"]}
            tables = set(inspect(conn).get_table_names())
            assert "product" in tables and "lgadmin_product" in tables

            # The host's autogenerate: nothing to do, although its metadata also holds
            # lgadmin's tables (as when it shares lgadmin's db) under the host's convention.
            for table in db.metadata.sorted_tables:
                table.to_metadata(host_db.metadata)
            context = MigrationContext.configure(
                conn, opts={"include_object": exclude_lgadmin_tables, "compare_type": True}
            )
            assert compare_metadata(context, host_db.metadata) == []
            # lgadmin's names are its own, whatever the host's convention.
            lgadmin_names = {
                str(c.name) for c in host_db.metadata.tables["lgadmin_product"].constraints
            }
            assert lgadmin_names == {
                "pk_lgadmin_product",
                "fk_lgadmin_product_market_id_lgadmin_market",
                "fk_lgadmin_product_grower_id_lgadmin_grower_profile",
            }

        lgadmin(app, "db-downgrade", "base")
        with host_db.engine.connect() as conn:
            assert versions(conn) == {"alembic_version": ["host0001"], VERSION_TABLE: []}
            tables = set(inspect(conn).get_table_names())
            assert "product" in tables and not {t for t in tables if t.startswith("lgadmin_")} - {
                VERSION_TABLE
            }
        lgadmin(app, "db-upgrade")
        flask_migrate.downgrade(directory=host_directory, revision="base")
        with host_db.engine.connect() as conn:
            assert versions(conn) == {"alembic_version": [], VERSION_TABLE: ["outbox01"]}
            assert "product" not in inspect(conn).get_table_names()
        host_db.engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("shared", [["0015"], ["0015", "host0001"]], ids=["alone", "with a host's"])
def test_a_database_migrated_before_the_version_table_moves_its_revision_once(
    empty_database, shared, capsys
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision="0015")
        # As lgadmin left it before: its revision in alembic_version (next to a host's).
        with db.engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            for revision in shared:
                conn.execute(text(f"INSERT INTO alembic_version VALUES ('{revision}')"))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            left = {"alembic_version": ["host0001"]} if len(shared) > 1 else {}
            assert versions(conn) == left | {VERSION_TABLE: ["outbox01"]}
            assert "lgadmin_account" in inspect(conn).get_table_names()
        assert "moved 0015 there from alembic_version" in capsys.readouterr().err
        flask_migrate.upgrade()  # the second time, nothing to move
        with db.engine.connect() as conn:
            assert versions(conn) == left | {VERSION_TABLE: ["outbox01"]}
        db.engine.dispose()


def test_the_host_helper_excludes_only_lgadmin_tables():
    product = Table("product", MetaData())
    ours = Table("lgadmin_product", MetaData())
    assert exclude_lgadmin_tables(product, "product", "table", False, None)
    assert not exclude_lgadmin_tables(ours, "lgadmin_product", "table", False, None)
    assert not exclude_lgadmin_tables(None, VERSION_TABLE, "table", True, None)
    assert exclude_lgadmin_tables(None, "ix_product_name", "index", False, None)


class _NoExtensionPrivilege:
    """A PostgreSQL connection whose user may not create pg_trgm (as on many managed hosts)."""

    class dialect:  # noqa: N801
        name = "postgresql"

    class engine:  # noqa: N801
        class url:  # noqa: N801
            database = "shop"

    def scalar(self, statement):
        return None  # pg_trgm not there yet

    def begin_nested(self):
        from contextlib import nullcontext

        return nullcontext()

    def execute(self, statement):
        from sqlalchemy.exc import ProgrammingError

        raise ProgrammingError(
            str(statement), {}, Exception('permission denied to create extension "pg_trgm"')
        )


def test_without_the_privilege_for_pg_trgm_the_upgrade_says_who_must_create_it():
    import click
    from click.testing import CliRunner

    from lgadmin.schema import create_pg_trgm

    @click.command()
    def upgrade_command():
        create_pg_trgm(_NoExtensionPrivilege())

    result = CliRunner().invoke(upgrade_command)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: lgadmin's customer search needs")
    assert "permission denied to create extension" in result.output
    assert 'CREATE EXTENSION pg_trgm;  in database "shop"' in result.output

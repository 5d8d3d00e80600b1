"""The Alembic chain builds exactly the schema the models describe, on both databases."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from lgadmin import create_app
from lgadmin.extensions import db
from lgadmin.schema import include_object_for


def _upgrade_and_compare(url: str) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_object": include_object_for(conn.dialect.name),
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert "account" in tables and "ledger_entry" in tables
    return differences


@pytest.mark.slow
def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.db'}") == []


@pytest.mark.slow
def test_migrations_match_the_models_on_postgresql(postgres_url):
    name = f"lgadmin_migrations_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(postgres_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        assert _upgrade_and_compare(url) == []
        with create_engine(url).connect() as conn:
            indexes = {i["name"] for i in inspect(conn).get_indexes("account")}
        assert "ix_account_search_text_trgm" in indexes
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _account_row(table, **values) -> dict:
    """A row for the account table as an older revision had it: every NOT NULL column filled
    from the model's own defaults."""
    from lgadmin.accounts.models import Account

    row = {}
    for column in table.columns:
        default = Account.__table__.c[column.name].default
        if default is not None and default.is_scalar:
            row[column.name] = getattr(default.arg, "value", default.arg)
        elif default is not None and default.is_callable:
            row[column.name] = default.arg(None)
    row.pop("id", None)
    return row | values


@pytest.mark.slow
def test_upgrading_fills_the_folded_search_text_of_existing_accounts(tmp_path):
    from sqlalchemy import MetaData, Table, insert

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            account = Table("account", MetaData(), autoload_with=conn)
            assert "search_text" not in account.c
            conn.execute(
                insert(account),
                [
                    _account_row(account, first_name="Siobhán", last_name="Ó Sé", email="s@x.org"),
                    _account_row(account, first_name="Zoë", last_name="Lane", email="ZOE@x.org"),
                ],
            )
        upgrade()
        with db.engine.connect() as conn:
            folded = conn.scalars(text("SELECT search_text FROM account ORDER BY id")).all()
        db.engine.dispose()
    assert folded == ["siobhan o se s@x.org", "zoe lane zoe@x.org"]

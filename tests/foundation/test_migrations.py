"""The Alembic chain builds exactly the schema the models describe, on both databases."""

import uuid
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from lgadmin import create_app
from lgadmin.extensions import db
from lgadmin.schema import VERSION_TABLE, include_object_for, unprefix_tables


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
                    "version_table": VERSION_TABLE,
                },
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert "lgadmin_account" in tables and "lgadmin_ledger_entry" in tables
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
            indexes = {i["name"] for i in inspect(conn).get_indexes("lgadmin_account")}
        assert "ix_lgadmin_account_search_text_trgm" in indexes
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
            account = Table("lgadmin_account", MetaData(), autoload_with=conn)
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
            folded = conn.scalars(text("SELECT search_text FROM lgadmin_account ORDER BY id")).all()
        db.engine.dispose()
    assert folded == ["siobhan o se s@x.org", "zoe lane zoe@x.org"]


@pytest.mark.slow
def test_upgrading_fills_the_duplicate_keys_of_existing_accounts_and_downgrading_drops_them(
    empty_database,
):
    """Accounts that existed before 0017 get the keys a new account would: a manager sees
    the same possible duplicates the day after the upgrade."""
    from flask_migrate import downgrade
    from sqlalchemy import MetaData, Table, insert

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.begin() as conn:
            account = Table("lgadmin_account", MetaData(), autoload_with=conn)
            assert "email_key" not in account.c
            conn.execute(
                insert(account),
                [
                    _account_row(
                        account,
                        first_name="Zoë",
                        last_name="Park",
                        email="zoe.park+veg@googlemail.com",
                        phone="(706) 555-0111",
                    ),
                    _account_row(account, first_name="", last_name="Lee", email="lee@x.org"),
                ],
            )
        upgrade()
        with db.engine.connect() as conn:
            keys = conn.execute(
                text("SELECT email_key, phone_key, name_key FROM lgadmin_account ORDER BY id")
            ).all()
            indexes = {i["name"] for i in inspect(conn).get_indexes("lgadmin_account")}
        assert [tuple(row) for row in keys] == [
            ("zoepark@gmail.com", "+17065550111", "zoe park"),
            ("lee@x.org", None, None),
        ]
        assert {f"ix_lgadmin_account_market_{k}_key" for k in ("email", "phone", "name")} <= indexes
        downgrade(revision="0016")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("lgadmin_account")}
            indexes = {i["name"] for i in inspect(conn).get_indexes("lgadmin_account")}
            assert conn.scalar(text("SELECT count(*) FROM lgadmin_account")) == 2
        db.engine.dispose()
    assert not columns & {"email_key", "phone_key", "name_key"}
    assert not any(name.endswith("_key") for name in indexes)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """The URL of a new, empty database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    postgres_url = request.getfixturevalue("postgres_url")
    name = f"lgadmin_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


OLD_TABLES = ("market", "account", "comment", "token", "orders", "product", "address")


def _model_row(model, table, **values) -> dict:
    """A row for an older revision's table: every column the model gives a default, then values."""
    row = {}
    for column in table.columns:
        default = model.__table__.c[column.name].default
        if default is not None and default.is_scalar:
            row[column.name] = getattr(default.arg, "value", default.arg)
        elif default is not None and default.is_callable:
            row[column.name] = default.arg(None)
        elif not column.nullable and column.server_default is None:
            row[column.name] = _FILLER.get(column.type.python_type, "x")
    row.pop("id", None)
    return row | values


_FILLER = {int: 0, bool: False, datetime: datetime(2026, 12, 1, 12, 0), str: "x"}


def _fill(conn) -> None:
    """A market with an account, a comment, a token, a grower's product, an order and an
    address."""
    from sqlalchemy import MetaData, insert

    from lgadmin.models import (
        Account,
        Address,
        Comment,
        GrowerProfile,
        Market,
        Order,
        Product,
        Token,
    )

    reflected = MetaData()
    reflected.reflect(conn)
    t = {name.removeprefix("lgadmin_"): table for name, table in reflected.tables.items()}
    when = datetime(2026, 12, 1, 12, 0)
    conn.execute(
        insert(t["market"]), [_model_row(Market, t["market"], slug="athens", name="Athens")]
    )
    conn.execute(
        insert(t["account"]),
        [_model_row(Account, t["account"], market_id=1, email="sam@x.org", first_name="Sam")],
    )
    conn.execute(
        insert(t["comment"]),
        [
            _model_row(
                Comment, t["comment"], market_id=1, account_id=1, body="kept", created_at=when
            )
        ],
    )
    conn.execute(
        insert(t["token"]),
        [
            _model_row(
                Token,
                t["token"],
                account_id=1,
                purpose="set_password",
                token_hash="h" * 64,
                expires_at=when,
            )
        ],
    )
    conn.execute(
        insert(t["grower_profile"]),
        [_model_row(GrowerProfile, t["grower_profile"], market_id=1, account_id=1)],
    )
    conn.execute(
        insert(t["product"]),
        [_model_row(Product, t["product"], market_id=1, grower_id=1, name="Kale")],
    )
    conn.execute(insert(t["orders"]), [_model_row(Order, t["orders"], market_id=1, account_id=1)])
    conn.execute(
        insert(t["address"]), [_model_row(Address, t["address"], market_id=1, account_id=1)]
    )


def _row_counts(conn, prefix: str) -> dict:
    return {
        table: conn.scalar(text(f'SELECT count(*) FROM "{prefix}{table}"')) for table in OLD_TABLES
    }


def _schema_names(conn) -> set:
    """(table, name) of every named constraint and index the database holds."""
    inspector = inspect(conn)
    names = set()
    for table in inspector.get_table_names():
        if table == "alembic_version" or table.endswith("alembic_version"):
            continue
        pk = inspector.get_pk_constraint(table)["name"]
        names.add((table, pk))
        names |= {(table, fk["name"]) for fk in inspector.get_foreign_keys(table)}
        names |= {(table, uq["name"]) for uq in inspector.get_unique_constraints(table)}
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'")
        )
    else:
        rows = conn.execute(
            text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        )
    names |= {(table, name) for table, name in rows if not table.endswith("alembic_version")}
    return names


def _model_names(dialect_name: str) -> set:
    names = set()
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            names.add((table.name, str(constraint.name)))
        for index in table.indexes:
            if index.name.endswith("_trgm") and dialect_name != "postgresql":
                continue
            names.add((table.name, str(index.name)))
    if dialect_name == "postgresql":  # a primary key or unique constraint is an index there too
        for table in db.metadata.sorted_tables:
            names |= {
                (table.name, str(c.name))
                for c in table.constraints
                if type(c).__name__ in ("PrimaryKeyConstraint", "UniqueConstraint")
            }
    return names


# Names an older lgadmin's migrations gave (read from a database it built).
LEGACY_NAMES = {
    ("account", "pk_account"),
    ("account", "fk_account_market_id_market"),
    ("account", "uq_account_market_id_email"),
    ("account", "ix_account_market_last_name"),
    ("orders", "ix_order_account_placed"),
    ("cart_item", "fk_cart_item_product_id_product"),
}


def _legacy_database(conn) -> None:
    """Turn a database at some revision into what an older lgadmin left there: unprefixed
    tables and names, its revision in alembic_version."""
    revision = conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    unprefix_tables(conn)
    conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
    conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    conn.execute(text(f"INSERT INTO alembic_version VALUES ('{revision}')"))


@pytest.mark.slow
@pytest.mark.parametrize("revision", ["0015", "0009"])
def test_a_database_an_older_lgadmin_migrated_gets_the_prefix_and_keeps_every_row(
    empty_database, revision
):
    from flask_migrate import downgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as conn:
            _fill(conn)
            before = _row_counts(conn, "lgadmin_")
            _legacy_database(conn)
        with db.engine.connect() as conn:
            assert _row_counts(conn, "") == before
            assert _schema_names(conn) >= LEGACY_NAMES
        upgrade()
        with db.engine.begin() as conn:
            assert _row_counts(conn, "lgadmin_") == before
            tables = set(inspect(conn).get_table_names())
            assert tables == {t.name for t in db.metadata.sorted_tables} | {VERSION_TABLE}
            assert _schema_names(conn) == _model_names(conn.dialect.name)
            assert conn.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")) == "outbox01"
            # New rows still get their ids (on PostgreSQL, from the renamed sequence).
            conn.execute(
                text(
                    "INSERT INTO lgadmin_comment (market_id, account_id, is_system, body,"
                    " created_at) VALUES (1, 1, false, 'new', '2026-12-02')"
                )
            )
            assert conn.scalar(text("SELECT max(id) FROM lgadmin_comment")) == 2
            if conn.dialect.name == "postgresql":
                sequences = set(
                    conn.scalars(text("SELECT sequence_name FROM information_schema.sequences"))
                )
                assert "lgadmin_account_id_seq" in sequences and "account_id_seq" not in sequences
            conn.execute(text("DELETE FROM lgadmin_comment WHERE body = 'new'"))
        # Downgrading keeps the prefix (every revision speaks it) and every row.
        downgrade(revision="0015")
        with db.engine.connect() as conn:
            assert _row_counts(conn, "lgadmin_") == before
        upgrade()
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT body FROM lgadmin_comment")) == "kept"
        db.engine.dispose()

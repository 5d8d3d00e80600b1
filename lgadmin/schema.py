"""lgadmin's migration chain beside a host's: what each side's Alembic compares, where lgadmin
keeps its revision, and the one extension its migrations need.

A host that shares a database with lgadmin runs two chains: its own (`flask db upgrade`,
revision in `alembic_version`) and lgadmin's (`flask lgadmin db-upgrade`, revision in
`lgadmin_alembic_version`), in either order. The host's autogenerate leaves lgadmin's tables
alone when it is given `exclude_lgadmin_tables`:

    Migrate(app, db, include_object=exclude_lgadmin_tables)
"""

import re
from pathlib import Path

import click
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, text
from sqlalchemy.exc import DBAPIError

from .extensions import TABLE_PREFIX

POSTGRESQL_ONLY_SUFFIX = "_trgm"

# A wheel carries migrations/ inside the package; a checkout has it on top.
_INSIDE = Path(__file__).parent / "migrations"
MIGRATIONS_DIR = _INSIDE if _INSIDE.is_dir() else Path(__file__).parent.parent / "migrations"

# lgadmin's chain keeps its revision here, so a host's `alembic_version` is the host's own.
VERSION_TABLE = f"{TABLE_PREFIX}alembic_version"
# Where a standalone lgadmin kept it before (and where a host keeps its own).
SHARED_VERSION_TABLE = "alembic_version"


def exclude_lgadmin_tables(obj, name, type_, reflected, compare_to) -> bool:
    """A host's `include_object`: its autogenerate neither creates, changes nor drops lgadmin's
    tables (nor lgadmin's version table); they belong to lgadmin's own migrations."""
    return not (type_ == "table" and name is not None and name.startswith(TABLE_PREFIX))


def include_object_for(dialect_name: str):
    """lgadmin's own `include_object`: only lgadmin's tables, and its PostgreSQL-only indexes
    only on PostgreSQL."""

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name is not None and name.startswith(TABLE_PREFIX)
        if type_ == "index" and name and name.endswith(POSTGRESQL_ONLY_SUFFIX):
            return dialect_name == "postgresql"
        return True

    return include_object


def move_version_row(connection, lgadmin_revisions: set[str]) -> list[str]:
    """Once, for a database migrated before lgadmin had a version table of its own: move
    lgadmin's revision out of `alembic_version` into VERSION_TABLE (dropping
    `alembic_version` if nothing else is left in it). Returns the revisions moved."""
    inspector = inspect(connection)
    if inspector.has_table(VERSION_TABLE) or not inspector.has_table(SHARED_VERSION_TABLE):
        return []
    tables = set(inspector.get_table_names())
    if not ({"market", "account"} <= tables or TABLE_PREFIX + "market" in tables):
        # No lgadmin tables: a revision id in alembic_version that looks like one of lgadmin's
        # ("0001") is the host's own chain's.
        return []
    shared = Table(SHARED_VERSION_TABLE, MetaData(), Column("version_num", String(32)))
    rows = connection.scalars(shared.select()).all()
    ours = [revision for revision in rows if revision in lgadmin_revisions]
    if not ours:
        return []
    own = Table(
        VERSION_TABLE,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{VERSION_TABLE}_pkc"),
    )
    own.create(connection)
    connection.execute(own.insert(), [{"version_num": revision} for revision in ours])
    connection.execute(shared.delete().where(shared.c.version_num.in_(ours)))
    if len(ours) == len(rows):
        shared.drop(connection)
    return ours


class ExtensionUnavailable(click.ClickException):
    """A PostgreSQL extension lgadmin needs that this database user may not create. Shown as one
    line by `flask ... upgrade` (a click error), not as a traceback."""


def create_pg_trgm(connection) -> None:
    """pg_trgm, for the customer search's trigram index: created where the database allows it,
    otherwise a clear message saying who must create it."""
    if connection.dialect.name != "postgresql":
        return
    if connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")):
        return
    try:
        with connection.begin_nested():
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as error:
        database = connection.engine.url.database
        raise ExtensionUnavailable(
            "lgadmin's customer search needs the PostgreSQL extension pg_trgm, and this "
            f"database user may not create it ({str(error.orig).strip().splitlines()[0]}). "
            f'Ask the database owner to run  CREATE EXTENSION pg_trgm;  in database "{database}", '
            "then run the upgrade again."
        ) from None


# --- The prefix: lgadmin's tables before and after it were named `market` / `lgadmin_market`.


def prefix_legacy_tables(connection, revision: str | None) -> list[str]:
    """Once, for a database an older lgadmin migrated (its revision recorded, its tables still
    `market`, `account`...): rename them, their id sequences, constraints and indexes to the
    prefixed names every revision now speaks, keeping every row. Returns the tables renamed.
    Without a recorded lgadmin revision nothing is touched: a `product` or `market` table is
    then the host's."""
    tables = set(inspect(connection).get_table_names())
    if revision is None or TABLE_PREFIX + "market" in tables or "market" not in tables:
        return []
    moves = [(table, TABLE_PREFIX + table) for table in LEGACY_TABLES if table in tables]
    _move(connection, moves, _prefixed)
    return [old for old, _new in moves]


def unprefix_tables(connection) -> None:
    """The way back to the legacy names: what an older lgadmin left (tests build one with it)."""
    tables = set(inspect(connection).get_table_names())
    moves = [(TABLE_PREFIX + t, t) for t in LEGACY_TABLES if TABLE_PREFIX + t in tables]
    _move(connection, moves, _unprefixed)


# lgadmin's tables as they were named before the prefix; parents before children (every
# foreign key points up this list).
LEGACY_TABLES = (
    "market",
    "stripe_event",
    "webhook_token",
    "customer_group",
    "form_submission",
    "mail_send",
    "pickup_location",
    "account",
    "account_merge",
    "act_as_session",
    "address",
    "audit_entry",
    "comment",
    "data_request",
    "grower_profile",
    "import_preview",
    "invitation_batch",
    "mail_event",
    "orders",
    "payment_method",
    "segment",
    "token",
    "act_as_action",
    "campaign",
    "card_charge",
    "invitation",
    "ledger_entry",
    "loyalty_entry",
    "product",
    "campaign_recipient",
    "cart_item",
    "ledger_allocation",
    "order_item",
)

_KIND = re.compile(r"^(pk|uq|ix|fk|ck)_(.+)$")


def _prefixed(name, referred=None):
    """pk_account -> pk_lgadmin_account; a foreign key's referred table is prefixed too."""
    match = _KIND.match(name)
    if not match or match.group(2).startswith(TABLE_PREFIX):
        return name
    kind, rest = match.groups()
    if kind == "fk" and referred and rest.endswith("_" + referred):
        rest = rest[: -len(referred)] + TABLE_PREFIX + referred
    return f"{kind}_{TABLE_PREFIX}{rest}"


def _unprefixed(name, referred=None):
    match = _KIND.match(name)
    if not match or not match.group(2).startswith(TABLE_PREFIX):
        return name
    kind, rest = match.groups()
    rest = rest[len(TABLE_PREFIX) :]
    if kind == "fk" and referred and rest.endswith("_" + TABLE_PREFIX + referred):
        rest = rest[: -len(TABLE_PREFIX + referred)] + referred
    return f"{kind}_{rest}"


def _move(conn, moves, rename):
    """moves: (old table, new table) in parents-first order; rename(name, referred table
    without prefix) gives a constraint's or index's new name."""
    if conn.dialect.name == "postgresql":
        for old, new in moves:
            _rename_on_postgresql(conn, old, new, rename)
    else:
        _rebuild_on_sqlite(conn, moves, rename)


def _rename_on_postgresql(conn, old, new, rename):
    conn.execute(text(f'ALTER TABLE "{old}" RENAME TO "{new}"'))
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": new})
    if sequence and sequence.split(".")[-1].strip('"') == f"{old}_id_seq":
        conn.execute(text(f'ALTER SEQUENCE {sequence} RENAME TO "{new}_id_seq"'))
    constraints = conn.execute(
        text(
            "SELECT c.conname, c.contype, r.relname FROM pg_constraint c "
            "LEFT JOIN pg_class r ON r.oid = c.confrelid "
            "WHERE c.conrelid = CAST(:table AS regclass)"
        ),
        {"table": new},
    ).all()
    for name, kind, referred in constraints:
        target = rename(name, _plain(referred) if kind == "f" else None)
        if target != name:
            conn.execute(text(f'ALTER TABLE "{new}" RENAME CONSTRAINT "{name}" TO "{target}"'))
    indexes = conn.scalars(
        text(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:table AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ),
        {"table": new},
    ).all()
    for name in indexes:
        target = rename(name)
        if target != name:
            conn.execute(text(f'ALTER INDEX "{name}" RENAME TO "{target}"'))


def _plain(referred):
    """A referred table's name without the prefix, whichever side of the move it is on."""
    if (
        referred
        and referred.startswith(TABLE_PREFIX)
        and referred[len(TABLE_PREFIX) :] in LEGACY_TABLES
    ):
        return referred[len(TABLE_PREFIX) :]
    return referred


_CREATE_TABLE = re.compile(r'^CREATE TABLE\s+"?(\w+)"?', re.IGNORECASE)
_REFERENCES = re.compile(r'REFERENCES\s+"?(\w+)"?', re.IGNORECASE)
_CONSTRAINT = re.compile(
    r'CONSTRAINT\s+"?(\w+)"?(\s+FOREIGN KEY\s*\(\s*"?\w+"?[^)]*\)\s*REFERENCES\s+"?(\w+)"?)?',
    re.IGNORECASE,
)
_CREATE_INDEX = re.compile(
    r'^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+)"?(\w+)"?(\s+ON\s+)"?(\w+)"?', re.IGNORECASE
)


def _rebuild_on_sqlite(conn, moves, rename):
    """SQLite's way to change a table's constraints: a new table with the same rows."""
    new_name = dict(moves)
    # With foreign keys enforced, checks wait for the commit, when every row has its new home.
    conn.execute(text("PRAGMA defer_foreign_keys = ON"))
    indexes = []
    for old, new in moves:
        create = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": old},
        )

        def constraint(match):
            name, foreign_key, referred = match.group(1), match.group(2), match.group(3)
            if foreign_key:
                return f"CONSTRAINT {rename(name, _plain(referred))}" + foreign_key
            return f"CONSTRAINT {rename(name)}"

        create = _CREATE_TABLE.sub(f'CREATE TABLE "{new}"', create, count=1)
        create = _CONSTRAINT.sub(constraint, create)
        create = _REFERENCES.sub(
            lambda m: f'REFERENCES "{new_name.get(m.group(1), m.group(1))}"', create
        )
        conn.execute(text(create))
        # Both names are lgadmin's own table names (its metadata), never input.
        conn.execute(text(f'INSERT INTO "{new}" SELECT * FROM "{old}"'))  # nosec B608
        index_sql = conn.scalars(
            text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name "
                "AND sql IS NOT NULL"
            ),
            {"name": old},
        ).all()
        indexes += [_renamed_index(sql, new, rename) for sql in index_sql]
    for old, _new in reversed(moves):
        conn.execute(text(f'DROP TABLE "{old}"'))
    for sql in indexes:
        conn.execute(text(sql))


def _renamed_index(sql: str, table: str, rename) -> str:
    return _CREATE_INDEX.sub(
        lambda m: f'{m.group(1)}"{rename(m.group(2))}"{m.group(3)}"{table}"', sql, count=1
    )

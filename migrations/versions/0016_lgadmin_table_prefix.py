"""every table lgadmin owns is prefixed lgadmin_, with its indexes, sequences and constraints

A host app that plugs lgadmin in has its own `product`, `orders`, `account`... tables; lgadmin's
now never meet them. Rows stay where they are: PostgreSQL renames in place (tables, their `id`
sequences, named constraints and indexes); SQLite, which can't rename a constraint, rebuilds each
table under its new name with the same rows (its own documented way of changing a table), parents
first, and drops the old ones children first so no cascade ever fires. Downgrade renames back.

Names follow one rule both ways: `lgadmin_` goes after the name's kind (`pk_account` ->
`pk_lgadmin_account`, `ix_order_account_placed` -> `ix_lgadmin_order_account_placed`) and, in a
foreign key's name, before the table it refers to (`fk_account_market_id_market` ->
`fk_lgadmin_account_market_id_lgadmin_market`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 17:40:00.000000

"""
import re

from alembic import op
from sqlalchemy import text


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

PREFIX = 'lgadmin_'

# Parents before children (every foreign key points up this list).
TABLES = (
    'market', 'stripe_event', 'webhook_token', 'customer_group', 'form_submission', 'mail_send',
    'pickup_location', 'account', 'account_merge', 'act_as_session', 'address', 'audit_entry',
    'comment', 'data_request', 'grower_profile', 'import_preview', 'invitation_batch',
    'mail_event', 'orders', 'payment_method', 'segment', 'token', 'act_as_action', 'campaign',
    'card_charge', 'invitation', 'ledger_entry', 'loyalty_entry', 'product', 'campaign_recipient',
    'cart_item', 'ledger_allocation', 'order_item',
)

_KIND = re.compile(r'^(pk|uq|ix|fk|ck)_(.+)$')


def _prefixed(name, referred=None):
    """pk_account -> pk_lgadmin_account; a foreign key's referred table is prefixed too."""
    match = _KIND.match(name)
    if not match or match.group(2).startswith(PREFIX):
        return name
    kind, rest = match.groups()
    if kind == 'fk' and referred and rest.endswith('_' + referred):
        rest = rest[: -len(referred)] + PREFIX + referred
    return f'{kind}_{PREFIX}{rest}'


def _unprefixed(name, referred=None):
    match = _KIND.match(name)
    if not match or not match.group(2).startswith(PREFIX):
        return name
    kind, rest = match.groups()
    rest = rest[len(PREFIX):]
    if kind == 'fk' and referred and rest.endswith('_' + PREFIX + referred):
        rest = rest[: -len(PREFIX + referred)] + referred
    return f'{kind}_{rest}'


def upgrade():
    moves = [(table, PREFIX + table) for table in TABLES]
    _move(moves, _prefixed)


def downgrade():
    moves = [(PREFIX + table, table) for table in TABLES]
    _move(moves, _unprefixed)


def _move(moves, rename):
    """moves: (old table, new table) in parents-first order; rename(name, referred table
    without prefix) gives a constraint's or index's new name."""
    conn = op.get_bind()
    if conn.dialect.name == 'postgresql':
        for old, new in moves:
            _rename_on_postgresql(conn, old, new, rename)
    else:
        _rebuild_on_sqlite(conn, moves, rename)


def _rename_on_postgresql(conn, old, new, rename):
    conn.execute(text(f'ALTER TABLE "{old}" RENAME TO "{new}"'))
    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:table, 'id')"), {'table': new})
    if sequence and sequence.split('.')[-1].strip('"') == f'{old}_id_seq':
        conn.execute(text(f'ALTER SEQUENCE {sequence} RENAME TO "{new}_id_seq"'))
    constraints = conn.execute(text(
        'SELECT c.conname, c.contype, r.relname FROM pg_constraint c '
        'LEFT JOIN pg_class r ON r.oid = c.confrelid '
        'WHERE c.conrelid = CAST(:table AS regclass)'
    ), {'table': new}).all()
    for name, kind, referred in constraints:
        target = rename(name, _plain(referred) if kind == 'f' else None)
        if target != name:
            conn.execute(text(f'ALTER TABLE "{new}" RENAME CONSTRAINT "{name}" TO "{target}"'))
    indexes = conn.scalars(text(
        'SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid '
        'WHERE x.indrelid = CAST(:table AS regclass) '
        'AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)'
    ), {'table': new}).all()
    for name in indexes:
        target = rename(name)
        if target != name:
            conn.execute(text(f'ALTER INDEX "{name}" RENAME TO "{target}"'))


def _plain(referred):
    """A referred table's name without the prefix, whichever side of the move it is on."""
    if referred and referred.startswith(PREFIX) and referred[len(PREFIX):] in TABLES:
        return referred[len(PREFIX):]
    return referred


_CREATE_TABLE = re.compile(r'^CREATE TABLE\s+"?(\w+)"?', re.IGNORECASE)
_REFERENCES = re.compile(r'REFERENCES\s+"?(\w+)"?', re.IGNORECASE)
_CONSTRAINT = re.compile(
    r'CONSTRAINT\s+"?(\w+)"?(\s+FOREIGN KEY\s*\(\s*"?\w+"?[^)]*\)\s*REFERENCES\s+"?(\w+)"?)?',
    re.IGNORECASE,
)
_CREATE_INDEX = re.compile(r'^(CREATE\s+(?:UNIQUE\s+)?INDEX\s+)"?(\w+)"?(\s+ON\s+)"?(\w+)"?',
                           re.IGNORECASE)


def _rebuild_on_sqlite(conn, moves, rename):
    """SQLite's way to change a table's constraints: a new table with the same rows."""
    new_name = dict(moves)
    # With foreign keys enforced, checks wait for the commit, when every row has its new home.
    conn.execute(text('PRAGMA defer_foreign_keys = ON'))
    indexes = []
    for old, new in moves:
        create = conn.scalar(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {'name': old},
        )

        def constraint(match):
            name, foreign_key, referred = match.group(1), match.group(2), match.group(3)
            if foreign_key:
                return f'CONSTRAINT {rename(name, _plain(referred))}' + foreign_key
            return f'CONSTRAINT {rename(name)}'

        create = _CREATE_TABLE.sub(f'CREATE TABLE "{new}"', create, count=1)
        create = _CONSTRAINT.sub(constraint, create)
        create = _REFERENCES.sub(lambda m: f'REFERENCES "{new_name.get(m.group(1), m.group(1))}"',
                                 create)
        conn.execute(text(create))
        conn.execute(text(f'INSERT INTO "{new}" SELECT * FROM "{old}"'))
        for sql in conn.scalars(
            text("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name "
                 "AND sql IS NOT NULL"),
            {'name': old},
        ).all():
            indexes.append(_CREATE_INDEX.sub(
                lambda m: f'{m.group(1)}"{rename(m.group(2))}"{m.group(3)}"{new}"', sql, count=1
            ))
    for old, _new in reversed(moves):
        conn.execute(text(f'DROP TABLE "{old}"'))
    for sql in indexes:
        conn.execute(text(sql))

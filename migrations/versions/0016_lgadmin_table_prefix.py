"""every table lgadmin owns is prefixed lgadmin_, with its id sequences, constraints and indexes

A host app that plugs lgadmin in has its own `product`, `orders`, `account`... tables; lgadmin's
now never meet them. Every earlier revision creates the prefixed names itself (so a new database,
beside a host's tables, never holds an unprefixed lgadmin table); this revision renames the
tables of a database an older lgadmin migrated, keeping every row: PostgreSQL renames in place
(tables, their `id` sequences, named constraints and indexes), SQLite rebuilds each table under
its new name with the same rows. migrations/env.py does the same before it runs any revision, so
a database left at any older revision gets there too (lgadmin.schema.prefix_legacy_tables).

Names follow one rule: `lgadmin_` goes after the name's kind (`pk_account` ->
`pk_lgadmin_account`, `ix_order_account_placed` -> `ix_lgadmin_order_account_placed`) and, in a
foreign key's name, before the table it refers to (`fk_account_market_id_market` ->
`fk_lgadmin_account_market_id_lgadmin_market`).

Downgrade keeps the prefixed names: every earlier revision speaks them now, and renaming back
beside a host could take a host table's name (`product`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 17:40:00.000000

"""
from alembic import op

from lgadmin.schema import prefix_legacy_tables


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    prefix_legacy_tables(op.get_bind(), revision=down_revision)


def downgrade():
    pass

"""search that ignores accents: the account's folded names and email, trigram-indexed

`account.search_text` holds first name, last name and email lower-cased and without
accents (lgadmin.accounts.search_text); the grid folds its search words the same way.
Existing accounts are filled here with that same function, so old and new rows fold
alike. On PostgreSQL one trigram index on it replaces the three on the raw columns,
which no query reads any more.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 01:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lgadmin.schema import create_pg_trgm

from lgadmin.accounts.search_text import account_search_text


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_RAW_COLUMNS = ('first_name', 'last_name', 'email')
_BATCH = 5000


def upgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))

    bind = op.get_bind()
    account = sa.table(
        'lgadmin_account',
        sa.column('id', sa.Integer),
        sa.column('first_name', sa.String),
        sa.column('last_name', sa.String),
        sa.column('email', sa.String),
        sa.column('search_text', sa.Text),
    )
    fill = (
        sa.update(account)
        .where(account.c.id == sa.bindparam('account_id'))
        .values(search_text=sa.bindparam('folded'))
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(account.c.id, account.c.first_name, account.c.last_name, account.c.email)
            .where(account.c.id > last_id)
            .order_by(account.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            fill,
            [
                {'account_id': row.id, 'folded': account_search_text(row.first_name, row.last_name, row.email)}
                for row in rows
            ],
        )
        last_id = rows[-1].id

    if bind.dialect.name == 'postgresql':
        # Where this user may not create it: one line saying who must, not a traceback.
        create_pg_trgm(op.get_bind())
        for column in _RAW_COLUMNS:
            op.drop_index(f'ix_lgadmin_account_{column}_trgm', table_name='lgadmin_account')
        op.create_index('ix_lgadmin_account_search_text_trgm', 'lgadmin_account', ['search_text'], unique=False,
                        postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_lgadmin_account_search_text_trgm', table_name='lgadmin_account')
        for column in _RAW_COLUMNS:
            op.create_index(f'ix_lgadmin_account_{column}_trgm', 'lgadmin_account', [column], unique=False,
                            postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        batch_op.drop_column('search_text')

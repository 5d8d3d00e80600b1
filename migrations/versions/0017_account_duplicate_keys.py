"""possible duplicates in SQL: the account's mailbox, phone and name keys, indexed per market

`email_key`, `phone_key` and `name_key` hold what two accounts of one person share (see
lgadmin.accounts.search_text.duplicate_keys: the mailbox by the provider's rules, the phone in
E.164, the name folded); the possible duplicates are grouped on them by the database.
Existing accounts are filled here in batches with that same function, so old and new rows
agree. One index per key, after the market: the grouping reads one market's keys only.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lgadmin.accounts.search_text import duplicate_keys


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_KEYS = (('email_key', sa.String(length=254)), ('phone_key', sa.String(length=32)), ('name_key', sa.Text()))
_BATCH = 5000


def upgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        for column, type_ in _KEYS:
            batch_op.add_column(sa.Column(column, type_, nullable=True))

    bind = op.get_bind()
    account = sa.table(
        'lgadmin_account',
        sa.column('id', sa.Integer),
        sa.column('email', sa.String),
        sa.column('phone', sa.String),
        sa.column('country', sa.String),
        sa.column('first_name', sa.String),
        sa.column('last_name', sa.String),
        *(sa.column(column, type_) for column, type_ in _KEYS),
    )
    fill = (
        sa.update(account)
        .where(account.c.id == sa.bindparam('account_id'))
        .values({column: sa.bindparam(f'new_{column}') for column, _ in _KEYS})
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(
                account.c.id, account.c.email, account.c.phone, account.c.country,
                account.c.first_name, account.c.last_name,
            )
            .where(account.c.id > last_id)
            .order_by(account.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            fill,
            [
                {'account_id': row.id}
                | {
                    f'new_{column}': key
                    for column, key in duplicate_keys(
                        row.email, row.phone, row.country, row.first_name, row.last_name
                    ).items()
                }
                for row in rows
            ],
        )
        last_id = rows[-1].id

    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        for column, _ in _KEYS:
            batch_op.create_index(f'ix_lgadmin_account_market_{column}', ['market_id', column], unique=False)


def downgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        for column, _ in _KEYS:
            batch_op.drop_index(f'ix_lgadmin_account_market_{column}')
        for column, _ in reversed(_KEYS):
            batch_op.drop_column(column)

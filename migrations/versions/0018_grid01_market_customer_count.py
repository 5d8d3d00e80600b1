"""the market's customer count, kept with its accounts, for the customer grid's total

The grid showed an exact count(*) of the whole market on every page (92 ms at a million
customers); it now reads this column, which the flush that adds or deletes an account keeps
(lgadmin.accounts.models). Existing markets are filled with their current count.

Revision ID: grid01
Revises: 0017
Create Date: 2026-12-09 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'grid01'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lgadmin_market', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('customer_count', sa.Integer(), server_default='0', nullable=False)
        )
    op.execute(
        'UPDATE lgadmin_market SET customer_count = ('
        'SELECT count(*) FROM lgadmin_account WHERE lgadmin_account.market_id = lgadmin_market.id)'
    )


def downgrade():
    with op.batch_alter_table('lgadmin_market', schema=None) as batch_op:
        batch_op.drop_column('customer_count')

"""privacy: shoppers' data requests, and when an account was erased

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 07:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lgadmin_data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('export', 'erasure', name='datarequestkind', native_enum=False, length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_data_request_account_id_lgadmin_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_data_request_handled_by_id_lgadmin_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['market_id'], ['lgadmin_market.id'], name=op.f('fk_lgadmin_data_request_market_id_lgadmin_market')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgadmin_data_request'))
    )
    with op.batch_alter_table('lgadmin_data_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lgadmin_data_request_market_id'), ['market_id'], unique=False)
        batch_op.create_index('uq_lgadmin_data_request_open', ['account_id', 'kind'], unique=True, sqlite_where=sa.text('handled_at IS NULL'), postgresql_where=sa.text('handled_at IS NULL'))

    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('lgadmin_data_request', schema=None) as batch_op:
        batch_op.drop_index('uq_lgadmin_data_request_open', sqlite_where=sa.text('handled_at IS NULL'), postgresql_where=sa.text('handled_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_lgadmin_data_request_market_id'))

    op.drop_table('lgadmin_data_request')

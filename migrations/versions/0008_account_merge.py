"""merged duplicate accounts: which account each was merged into, by whom, when

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-24 07:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lgadmin_account_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('merged_account_id', sa.Integer(), nullable=False),
    sa.Column('kept_account_id', sa.Integer(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['kept_account_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_account_merge_kept_account_id_lgadmin_account')),
    sa.ForeignKeyConstraint(['market_id'], ['lgadmin_market.id'], name=op.f('fk_lgadmin_account_merge_market_id_lgadmin_market')),
    sa.ForeignKeyConstraint(['merged_account_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_account_merge_merged_account_id_lgadmin_account')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_account_merge_merged_by_id_lgadmin_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgadmin_account_merge')),
    sa.UniqueConstraint('merged_account_id', name=op.f('uq_lgadmin_account_merge_merged_account_id'))
    )
    with op.batch_alter_table('lgadmin_account_merge', schema=None) as batch_op:
        batch_op.create_index('ix_lgadmin_account_merge_kept', ['kept_account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lgadmin_account_merge', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_account_merge_kept')
    op.drop_table('lgadmin_account_merge')

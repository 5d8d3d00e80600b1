"""customer exports as jobs: each large export's status, row count and file

Revision ID: exports01
Revises: metrics01
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'exports01'
down_revision = 'metrics01'
branch_labels = None
depends_on = None

_STATUS = sa.Enum('queued', 'running', 'done', 'failed', 'expired', name='exportstatus', native_enum=False, length=20)


def upgrade():
    op.create_table('lgadmin_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', _STATUS, nullable=False),
    sa.Column('total_rows', sa.Integer(), nullable=True),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('stored_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['market_id'], ['lgadmin_market.id'], name=op.f('fk_lgadmin_export_market_id_lgadmin_market')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['lgadmin_account.id'], name=op.f('fk_lgadmin_export_requested_by_id_lgadmin_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgadmin_export'))
    )
    with op.batch_alter_table('lgadmin_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lgadmin_export_market_id'), ['market_id'], unique=False)
        batch_op.create_index('uq_lgadmin_export_unfinished', ['requested_by_id', 'fingerprint'], unique=True, sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))


def downgrade():
    with op.batch_alter_table('lgadmin_export', schema=None) as batch_op:
        batch_op.drop_index('uq_lgadmin_export_unfinished', sqlite_where=sa.text("status IN ('queued', 'running')"), postgresql_where=sa.text("status IN ('queued', 'running')"))
        batch_op.drop_index(batch_op.f('ix_lgadmin_export_market_id'))

    op.drop_table('lgadmin_export')

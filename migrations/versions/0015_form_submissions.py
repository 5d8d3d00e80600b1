"""form submissions applied once: the key each money-changing form carries, claimed once

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 02:35:45.665397

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lgadmin_form_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['market_id'], ['lgadmin_market.id'], name=op.f('fk_lgadmin_form_submission_market_id_lgadmin_market'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgadmin_form_submission')),
    sa.UniqueConstraint('market_id', 'key', name=op.f('uq_lgadmin_form_submission_market_id_key'))
    )


def downgrade():
    op.drop_table('lgadmin_form_submission')

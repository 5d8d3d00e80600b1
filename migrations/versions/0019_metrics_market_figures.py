"""market figures: a market's metrics cards, weekly chart and dashboard figures, kept

The pages read one row per market instead of counting every customer on each request; a job
recomputes it when it is older than LGADMIN_FIGURES_MAX_AGE_SECONDS (lgadmin.customers.figures).

Revision ID: metrics01
Revises: grid01
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'metrics01'
down_revision = "grid01"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lgadmin_market_figures',
    sa.Column('market_id', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('refresh_requested_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['market_id'], ['lgadmin_market.id'], name=op.f('fk_lgadmin_market_figures_market_id_lgadmin_market'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('market_id', name=op.f('pk_lgadmin_market_figures'))
    )


def downgrade():
    op.drop_table('lgadmin_market_figures')

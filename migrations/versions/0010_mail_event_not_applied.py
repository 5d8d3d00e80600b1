"""mail events say why they were not applied

A report lgadmin stores but does not apply (not understood, nothing to change, no account of
the market has the address) keeps the reason, shown in Mail Events.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lgadmin_mail_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_applied_because', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('lgadmin_mail_event', schema=None) as batch_op:
        batch_op.drop_column('not_applied_because')

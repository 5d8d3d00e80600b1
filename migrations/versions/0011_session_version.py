"""a session version per account, so signing out or a new password ends every session

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        # server default only so existing rows get a value; the model sets it from Python
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('lgadmin_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')

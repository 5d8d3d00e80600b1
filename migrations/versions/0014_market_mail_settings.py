"""each market's own sender name, Reply-To and unsubscribe mailbox for its mail

Empty means the default: the market's name as the sender, its managers' addresses
to reply to, and no mailto: in List-Unsubscribe.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 01:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lgadmin_market', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_sender_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mail_reply_to', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mail_unsubscribe_mailbox', sa.String(length=254), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('lgadmin_market', schema=None) as batch_op:
        batch_op.drop_column('mail_unsubscribe_mailbox')
        batch_op.drop_column('mail_reply_to')
        batch_op.drop_column('mail_sender_name')

"""the mail outbox: every email a row, written with the change it tells about

Revision ID: outbox01
Revises: exports01
Create Date: 2026-12-07 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'outbox01'
down_revision = 'exports01'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lgadmin_mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=200), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'skipped', 'failed', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('handed_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('message_seed', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lgadmin_mail_outbox'))
    )
    with op.batch_alter_table('lgadmin_mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_lgadmin_mail_outbox_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('lgadmin_mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_mail_outbox_status_next')
    op.drop_table('lgadmin_mail_outbox')

"""indexes for the customer timeline

The timeline reads, for one account, its audit rows (by target), card charges,
act-as sessions and mail events (by account or address), newest first;
without these indexes each read scans the whole table or the market's rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 07:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lgadmin_audit_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_lgadmin_audit_entry_target_created', ['target_type', 'target_id', 'created_at'], unique=False
        )
    with op.batch_alter_table('lgadmin_card_charge', schema=None) as batch_op:
        batch_op.create_index('ix_lgadmin_card_charge_account_created', ['account_id', 'created_at'], unique=False)
    with op.batch_alter_table('lgadmin_act_as_session', schema=None) as batch_op:
        batch_op.create_index('ix_lgadmin_act_as_session_shopper_started', ['shopper_id', 'started_at'], unique=False)
    with op.batch_alter_table('lgadmin_mail_event', schema=None) as batch_op:
        batch_op.create_index('ix_lgadmin_mail_event_account', ['account_id'], unique=False)
        batch_op.create_index('ix_lgadmin_mail_event_email', ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('lgadmin_mail_event', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_mail_event_email')
        batch_op.drop_index('ix_lgadmin_mail_event_account')
    with op.batch_alter_table('lgadmin_act_as_session', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_act_as_session_shopper_started')
    with op.batch_alter_table('lgadmin_card_charge', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_card_charge_account_created')
    with op.batch_alter_table('lgadmin_audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_lgadmin_audit_entry_target_created')

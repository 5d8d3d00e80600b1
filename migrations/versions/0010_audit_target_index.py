"""an index on the audit log's target, for the customer timeline

The timeline reads the audit rows about one account, newest first; without
this index it scans every audit row of the market.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-24 07:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(
            'ix_audit_entry_target_created', ['target_type', 'target_id', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_target_created')

"""orders show payments applied to them later as balance applied

"Apply to all open orders" used to lower what an order still owed without
counting the payment in the order's balance applied; add what each order
received that way (its ledger allocations).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 01:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE lgadmin_orders SET balance_applied_cents = balance_applied_cents + "
        "(SELECT SUM(a.amount_cents) FROM lgadmin_ledger_allocation a WHERE a.order_id = lgadmin_orders.id) "
        "WHERE id IN (SELECT order_id FROM lgadmin_ledger_allocation)"
    )


def downgrade():
    op.execute(
        "UPDATE lgadmin_orders SET balance_applied_cents = balance_applied_cents - "
        "(SELECT SUM(a.amount_cents) FROM lgadmin_ledger_allocation a WHERE a.order_id = lgadmin_orders.id) "
        "WHERE id IN (SELECT order_id FROM lgadmin_ledger_allocation)"
    )

"""approval: no index on org_id alone for tables reached by instance, member or key; member
indexes lead with member_id (SQLite picked the org_id prefix and walked the whole org).
approval_instance keeps its org_id index: it gives admin search its newest-first order.

Revision ID: 0201
Revises: 0200
Create Date: 2026-12-04 15:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0201'
down_revision: str | None = '0200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNINDEXED = ('approval_task', 'approval_event', 'approval_cc', 'approval_file', 'approval_invoice',
             'approval_payment', 'approval_notice')


def upgrade() -> None:
    for table in UNINDEXED:
        op.drop_index(f'ix_{table}_org_id', table_name=table)
    op.drop_index('ix_approval_task_member', table_name='approval_task')
    op.create_index('ix_approval_task_member', 'approval_task', ['member_id', 'org_id', 'status', 'id'], unique=False)
    op.drop_index('ix_approval_cc_member', table_name='approval_cc')
    op.create_index('ix_approval_cc_member', 'approval_cc', ['member_id', 'org_id', 'instance_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_approval_cc_member', table_name='approval_cc')
    op.create_index('ix_approval_cc_member', 'approval_cc', ['org_id', 'member_id', 'instance_id'], unique=False)
    op.drop_index('ix_approval_task_member', table_name='approval_task')
    op.create_index('ix_approval_task_member', 'approval_task', ['org_id', 'member_id', 'status', 'id'], unique=False)
    for table in UNINDEXED:
        op.create_index(f'ix_{table}_org_id', table, ['org_id'], unique=False)

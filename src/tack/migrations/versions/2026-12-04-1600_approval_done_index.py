"""approval: an index for "done by me" newest first (member, org, id), so the page does not
sort every task the member ever decided

Revision ID: 0202
Revises: 0201
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0202'
down_revision: str | None = '0201'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_approval_task_member_newest', 'approval_task', ['member_id', 'org_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_approval_task_member_newest', table_name='approval_task')

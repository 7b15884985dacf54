"""chat: the owners and admins of a conversation from an index (org, conversation, role,
member), so the realtime snapshot (every register) no longer scans all members of each of
the caller's groups to find them

Revision ID: 0701
Revises: 0700
Create Date: 2026-12-04 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0701'
down_revision: str | None = '0700'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_chat_conversation_member_role',
        'chat_conversation_member',
        ['org_id', 'conversation_id', 'role', 'member_id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_chat_conversation_member_role', table_name='chat_conversation_member')

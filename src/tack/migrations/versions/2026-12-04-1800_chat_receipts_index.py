"""chat: read receipts from one covering index (org, conversation, pointer, joined, member),
in place of (conversation, pointer): the unread count, the read / unread counts and a page
of "not read by" of a 10,000-member group are range scans of the index alone, with no row
looked up for org_id, joined_seq or member_id

Revision ID: 0700
Revises: 0007
Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0700'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_chat_conversation_member_receipts',
        'chat_conversation_member',
        ['org_id', 'conversation_id', 'last_read_seq', 'joined_seq', 'member_id'],
        unique=False,
    )
    op.drop_index('ix_chat_conversation_member_read', table_name='chat_conversation_member')


def downgrade() -> None:
    op.create_index(
        'ix_chat_conversation_member_read', 'chat_conversation_member', ['conversation_id', 'last_read_seq'], unique=False
    )
    op.drop_index('ix_chat_conversation_member_receipts', table_name='chat_conversation_member')

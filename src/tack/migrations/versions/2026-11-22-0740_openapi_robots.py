"""open platform: custom group robots

Revision ID: 0400
Revises: 0007
Create Date: 2026-11-22 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0400'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'openapi_robot',
        sa.Column('conversation_id', BigId, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('access_token', sa.String(length=64), nullable=False),
        sa.Column('secret', sa.String(length=80), nullable=True),
        sa.Column('keywords', sa.JSON(), nullable=False),
        sa.Column('ip_allowlist', sa.JSON(), nullable=False),
        sa.Column('outgoing_url', sa.String(length=1000), nullable=True),
        sa.Column('outgoing_token', sa.String(length=64), nullable=True),
        sa.Column('created_by_member_id', BigId, nullable=True),
        sa.Column('rate_window_start', sa.DateTime(timezone=True), nullable=True),
        sa.Column('rate_count', sa.Integer(), nullable=False),
        sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('org_id', BigId, nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['chat_conversation.id'], name=op.f('fk_openapi_robot_conversation_id_chat_conversation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_member_id'], ['directory_member.id'], name=op.f('fk_openapi_robot_created_by_member_id_directory_member'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_robot_org_id_directory_org'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_openapi_robot')),
        sa.UniqueConstraint('access_token', name=op.f('uq_openapi_robot_access_token')),
    )
    op.create_index(op.f('ix_openapi_robot_conversation_id'), 'openapi_robot', ['conversation_id'], unique=False)
    op.create_index(op.f('ix_openapi_robot_org_id'), 'openapi_robot', ['org_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_openapi_robot_org_id'), table_name='openapi_robot')
    op.drop_index(op.f('ix_openapi_robot_conversation_id'), table_name='openapi_robot')
    op.drop_table('openapi_robot')

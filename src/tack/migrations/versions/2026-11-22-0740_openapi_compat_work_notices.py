"""openapi_compat work notices

Revision ID: 0301
Revises: 0300
Create Date: 2026-11-22 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0301'
down_revision: str | None = '0300'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('openapi_compat_work_notice',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('org_id', Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('app_id', Id, nullable=False),
    sa.Column('msgtype', sa.String(length=16), nullable=False),
    sa.Column('msg', sa.JSON(), nullable=False),
    sa.Column('to_all_user', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('invalid_user_ids', sa.JSON(), nullable=False),
    sa.Column('invalid_dept_ids', sa.JSON(), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_compat_work_notice_org_id_directory_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['openapi_compat_app.id'], name=op.f('fk_openapi_compat_work_notice_app_id_openapi_compat_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openapi_compat_work_notice')),
    )
    with op.batch_alter_table('openapi_compat_work_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openapi_compat_work_notice_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_openapi_compat_work_notice_app_id'), ['app_id'], unique=False)
    op.create_table('openapi_compat_work_notice_recipient',
    sa.Column('org_id', Id, nullable=False),
    sa.Column('notice_id', Id, nullable=False),
    sa.Column('member_id', Id, nullable=False),
    sa.Column('conversation_id', Id, nullable=True),
    sa.Column('message_id', Id, nullable=True),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_compat_work_notice_recipient_org_id_directory_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['openapi_compat_work_notice.id'], name='fk_openapi_compat_work_notice_recipient_notice', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['directory_member.id'], name='fk_openapi_compat_work_notice_recipient_member', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notice_id', 'member_id', name=op.f('pk_openapi_compat_work_notice_recipient')),
    )
    with op.batch_alter_table('openapi_compat_work_notice_recipient', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openapi_compat_work_notice_recipient_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_openapi_compat_work_notice_recipient_pending', ['notice_id', 'sent_at', 'member_id'], unique=False)


def downgrade() -> None:
    op.drop_table('openapi_compat_work_notice_recipient')
    op.drop_table('openapi_compat_work_notice')

"""openapi_compat apps

Revision ID: 0300
Revises: 0007
Create Date: 2026-11-22 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0300'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('openapi_compat_app',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('org_id', Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('app_key', sa.String(length=64), nullable=False),
    sa.Column('app_secret', sa.String(length=128), nullable=False),
    sa.Column('secret_version', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('ip_allowlist', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_by_member_id', Id, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_compat_app_org_id_directory_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_member_id'], ['directory_member.id'], name=op.f('fk_openapi_compat_app_created_by_member_id_directory_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openapi_compat_app')),
    sa.UniqueConstraint('app_key', name=op.f('uq_openapi_compat_app_app_key')),
    )
    with op.batch_alter_table('openapi_compat_app', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openapi_compat_app_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('openapi_compat_app', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_openapi_compat_app_org_id'))
    op.drop_table('openapi_compat_app')

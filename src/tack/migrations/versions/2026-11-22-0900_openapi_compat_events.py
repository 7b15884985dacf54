"""openapi_compat event subscriptions and deliveries

Revision ID: 0600
Revises: 0301
Create Date: 2026-11-22 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0600'
down_revision: str | None = '0301'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('openapi_compat_event_subscription',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('org_id', Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('app_id', Id, nullable=False),
    sa.Column('callback_url', sa.String(length=2048), nullable=False),
    sa.Column('token', sa.String(length=128), nullable=False),
    sa.Column('aes_key', sa.String(length=43), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_compat_event_subscription_org_id_directory_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['openapi_compat_app.id'], name=op.f('fk_openapi_compat_event_subscription_app_id_openapi_compat_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openapi_compat_event_subscription')),
    sa.UniqueConstraint('app_id', name=op.f('uq_openapi_compat_event_subscription_app_id')),
    )
    with op.batch_alter_table('openapi_compat_event_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openapi_compat_event_subscription_org_id'), ['org_id'], unique=False)
    op.create_table('openapi_compat_event_delivery',
    sa.Column('id', Id, autoincrement=True, nullable=False),
    sa.Column('org_id', Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('app_id', Id, nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['directory_org.id'], name=op.f('fk_openapi_compat_event_delivery_org_id_directory_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['app_id'], ['openapi_compat_app.id'], name=op.f('fk_openapi_compat_event_delivery_app_id_openapi_compat_app'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_openapi_compat_event_delivery')),
    )
    with op.batch_alter_table('openapi_compat_event_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_openapi_compat_event_delivery_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_openapi_compat_event_delivery_app', ['app_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('openapi_compat_event_delivery')
    op.drop_table('openapi_compat_event_subscription')

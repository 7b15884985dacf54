"""openapi_compat event subscriptions: push mode (http | stream)

Revision ID: 0601
Revises: 0600
Create Date: 2026-11-22 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0601'
down_revision: str | None = '0600'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('openapi_compat_event_subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=8), server_default='http', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('openapi_compat_event_subscription', schema=None) as batch_op:
        batch_op.drop_column('mode')

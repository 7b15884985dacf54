"""ding idempotency key

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 07:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ding_ding', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('request_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_ding_ding_org_id_sender_member_id_idempotency_key'),
            ['org_id', 'sender_member_id', 'idempotency_key'],
        )


def downgrade() -> None:
    with op.batch_alter_table('ding_ding', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ding_ding_org_id_sender_member_id_idempotency_key'), type_='unique')
        batch_op.drop_column('request_hash')
        batch_op.drop_column('idempotency_key')

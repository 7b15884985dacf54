"""openapi_robot.app_id: a group robot that is an app's robot (应用机器人: @-mentions over the
app's Stream connection, robotCode = the app's key for /v1.0 robot sends)

Revision ID: 0602
Revises: 0601
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0602'
down_revision: str | None = '0601'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0400',)


def upgrade() -> None:
    with op.batch_alter_table('openapi_robot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key('fk_openapi_robot_app_id_openapi_compat_app', 'openapi_compat_app', ['app_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_openapi_robot_org_app', ['org_id', 'app_id'])


def downgrade() -> None:
    with op.batch_alter_table('openapi_robot', schema=None) as batch_op:
        batch_op.drop_index('ix_openapi_robot_org_app')
        batch_op.drop_constraint('fk_openapi_robot_app_id_openapi_compat_app', type_='foreignkey')
        batch_op.drop_column('app_id')

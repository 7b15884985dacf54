"""Alembic environment: runs migrations on the async engine of the configured database."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import tack.attendance.models  # noqa: F401
import tack.approval.models  # noqa: F401
import tack.chat.models  # noqa: F401
import tack.ding.models  # noqa: F401
import tack.directory.models  # noqa: F401  (registers the tables)
import tack.openapi_compat.apps.models  # noqa: F401
import tack.openapi_compat.events.models  # noqa: F401
import tack.openapi_compat.work_notices.models  # noqa: F401
import tack.openapi_compat.robots.models  # noqa: F401
import tack.storage.jobs_table  # noqa: F401
from tack.storage.base import Base
from tack.storage.db import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_main())

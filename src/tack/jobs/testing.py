"""TEST ONLY: a `test.record` job for tests that drive a real server process.

main.py imports this module and includes `jobs` only when the environment says
TACK_TEST_JOBS=1; a production server never loads it. The handler writes one row per run into `jobs_test_record`, a
table that no migration creates (the test creates it), in the job's own transaction, so the
test can count how many times each job really took effect.
"""

import asyncio
import os
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert

from tack.core.clock import utc_now
from tack.jobs.registry import JobRegistry
from tack.storage.base import UTCDateTime
from tack.storage.uow import UnitOfWork

# Its own MetaData: never part of the application's schema or migrations.
test_metadata = MetaData()
record_table = Table(
    "jobs_test_record",
    test_metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("key", String(100), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("ran_at", UTCDateTime(), nullable=False),
)

jobs = JobRegistry()


@jobs.job("test.record")
async def record(uow: UnitOfWork, args: dict[str, Any]) -> None:
    """args: key (what to record), sleep (seconds to wait first, to widen a test's window)."""
    await asyncio.sleep(float(args.get("sleep", 0)))
    await uow.session.execute(insert(record_table).values(key=str(args["key"]), pid=os.getpid(), ran_at=utc_now()))

"""Fixtures of the job suite: a settable clock, the test record table, small helpers."""

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, func, select

from tack.core.clock import utc_now
from tack.directory import passwords
from tack.jobs import testing as test_jobs
from tack.storage.jobs_table import Job
from tack.storage.uow import UnitOfWorkFactory


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """The cast signs up with the lowest argon2 cost (as in tests/directory)."""
    hasher, dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("tack-dummy-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy


class FakeClock:
    """The runner's idea of now; moves only when a test says so."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def uow_factory(app) -> UnitOfWorkFactory:  # type: ignore[no-untyped-def]
    return app.state.uow_factory


@pytest.fixture
async def records(app) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """The `jobs_test_record` table (not part of the schema) exists and starts empty."""
    async with app.state.engine.begin() as conn:
        await conn.run_sync(test_jobs.test_metadata.create_all)
        await conn.execute(delete(test_jobs.record_table))
    yield
    async with app.state.engine.begin() as conn:
        await conn.execute(delete(test_jobs.record_table))


async def record_counts(uow_factory: UnitOfWorkFactory) -> dict[str, int]:
    t = test_jobs.record_table
    async with uow_factory() as uow:
        rows = (await uow.session.execute(select(t.c.key, func.count()).group_by(t.c.key))).all()
    return {key: n for key, n in rows}


async def all_jobs(uow_factory: UnitOfWorkFactory) -> list[Job]:
    async with uow_factory() as uow:
        return list((await uow.session.execute(select(Job).order_by(Job.id))).scalars())


async def one_job(uow_factory: UnitOfWorkFactory) -> Job:
    jobs = await all_jobs(uow_factory)
    assert len(jobs) == 1, jobs
    return jobs[0]


async def enqueue(uow_factory: UnitOfWorkFactory, name: str, args: dict[str, Any] | None = None, **kw: Any) -> None:
    async with uow_factory() as uow:
        uow.enqueue(name, args, **kw)

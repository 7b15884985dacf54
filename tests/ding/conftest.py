"""DING fixtures: cheap argon2, the event recorder of tests/chat, a job runner on a fake clock."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tack.core.clock import utc_now
from tack.ding import providers
from tack.ding import tasks as ding_tasks
from tack.ding.models import DingDelivery
from tack.directory import passwords
from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.storage.jobs_table import Job
from tests.chat.conftest import Recorder, account_of, captured_events  # noqa: F401  (fixture)
from tests.helpers import Api


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    hasher, dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("tack-dummy-password")
    yield
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy


@pytest.fixture(autouse=True)
def _log_provider() -> Iterator[None]:
    previous = providers.use(providers.LogProvider())
    yield
    providers.use(previous)


class FakeClock:
    """The runner's now: starts 2 s ahead of the wall clock (jobs enqueued by a request just
    after the fixture was made are due), then moves only when a test says so."""

    def __init__(self) -> None:
        self.now = utc_now() + timedelta(seconds=2)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runner(app, clock: FakeClock) -> JobRunner:  # type: ignore[no-untyped-def]
    registry = JobRegistry()
    registry.include(ding_tasks.jobs)
    return JobRunner(app.state.uow_factory, registry, clock=clock, rand=lambda: 0.5, backoff=Backoff(base_seconds=10, cap_seconds=3600))


async def run_all(runner: JobRunner) -> int:
    """Runs what is due until nothing is (jobs enqueue follow-ups that may be due at once)."""
    total = 0
    while n := await runner.run_once(limit=1000):
        total += n
    return total


async def jobs(app, name: str | None = None) -> list[Job]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        stmt = select(Job).order_by(Job.id)
        if name:
            stmt = stmt.where(Job.name == name)
        return list((await uow.session.execute(stmt)).scalars())


async def deliveries(app, ding_id: int) -> list[DingDelivery]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        stmt = select(DingDelivery).where(DingDelivery.ding_id == ding_id).order_by(DingDelivery.id)
        return list((await uow.session.execute(stmt)).scalars())


async def ding(api: Api, *people: Api, text: str = "服务器挂了，速回", expect: int = 201, **extra: Any) -> Any:
    body = {"member_ids": [p.member_id for p in people], "text": text, **extra}
    return await api.post(api.org("/dings"), json=body, expect=expect)

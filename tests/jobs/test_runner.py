"""The runner: due times, retries with backoff, failures kept, leases, wake-up, stop."""

import asyncio
import contextvars
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, update

from tack.core.clock import utc_now
from tack.jobs import Backoff, JobRegistry, JobRunner
from tack.jobs import testing as test_jobs
from tack.storage.jobs_table import Job
from tack.storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.jobs.conftest import FakeClock, all_jobs, enqueue, one_job, record_counts

pytestmark = pytest.mark.usefixtures("records")

# Which runner is calling a handler: run_once's handler tasks inherit it from the caller.
who = contextvars.ContextVar("who", default="")


async def as_runner(name: str, runner: JobRunner) -> int:
    who.set(name)
    return await runner.run_once()


async def insert_record(uow: UnitOfWork, key: str) -> None:
    await uow.session.execute(insert(test_jobs.record_table).values(key=key, pid=0, ran_at=utc_now()))


def runner_for(uow_factory: UnitOfWorkFactory, registry: JobRegistry, clock: FakeClock, **kw: Any) -> JobRunner:
    kw.setdefault("backoff", Backoff(base_seconds=10, cap_seconds=3600))
    return JobRunner(uow_factory, registry, clock=clock, rand=lambda: 0.5, **kw)


async def test_a_job_runs_when_due_not_before(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    ran: list[dict[str, Any]] = []
    registry = JobRegistry()

    @registry.job("test.note")
    async def note(uow: UnitOfWork, args: dict[str, Any]) -> None:
        ran.append(args)

    await enqueue(uow_factory, "test.note", {"n": 2}, run_at=clock.now + timedelta(minutes=10))
    await enqueue(uow_factory, "test.note", {"n": 1}, run_at=clock.now + timedelta(minutes=5))
    runner = runner_for(uow_factory, registry, clock)
    assert await runner.run_once() == 0
    assert await runner.next_due() == clock.now + timedelta(minutes=5)
    clock.advance(5 * 60 - 1)
    assert await runner.run_once() == 0
    clock.advance(1)
    assert await runner.run_once() == 1
    assert ran == [{"n": 1}]
    clock.advance(5 * 60)
    assert await runner.run_once() == 1
    assert ran == [{"n": 1}, {"n": 2}]
    jobs = await all_jobs(uow_factory)
    assert [(j.status, j.attempts, j.finished_at) for j in jobs] == [("done", 1, clock.now), ("done", 1, clock.now - timedelta(minutes=5))]
    assert await runner.next_due() is None


async def test_retries_back_off_then_the_failure_is_kept(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    calls = 0
    registry = JobRegistry()

    @registry.job("test.flaky")
    async def flaky(uow: UnitOfWork, args: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        await insert_record(uow, f"attempt {calls}")  # rolled back with the failure
        raise ConnectionError(f"gateway down ({calls})")

    await enqueue(uow_factory, "test.flaky", {}, max_attempts=3, org_id=1, run_at=clock.now)
    runner = runner_for(uow_factory, registry, clock)
    assert await runner.run_once() == 1
    job = await one_job(uow_factory)
    # Attempt 1 failed: back in the queue 10 s · 2^0 later, with jitter (here half of the
    # random half: 0.75 of the step).
    assert (job.status, job.attempts, job.run_at) == ("queued", 1, clock.now + timedelta(seconds=7.5))
    assert job.last_error == "ConnectionError: gateway down (1)"
    assert job.locked_by is None and job.finished_at is None

    clock.advance(7)
    assert await runner.run_once() == 0
    clock.advance(0.5)
    assert await runner.run_once() == 1
    job = await one_job(uow_factory)
    assert (job.status, job.attempts, job.run_at) == ("queued", 2, clock.now + timedelta(seconds=15))

    clock.advance(15)
    assert await runner.run_once() == 1
    job = await one_job(uow_factory)
    assert (job.status, job.attempts, job.finished_at) == ("failed", 3, clock.now)
    assert job.last_error == "ConnectionError: gateway down (3)"
    clock.advance(3600 * 24)
    assert await runner.run_once() == 0  # a failed job stays failed
    assert calls == 3
    assert await record_counts(uow_factory) == {}


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    backoff = Backoff(base_seconds=10, cap_seconds=100)
    assert [backoff.delay(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 50]
    assert [backoff.delay(n, lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 80, 100]


async def test_an_idempotent_handler_takes_effect_once(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    """Writes of a failed attempt roll back; the retry's writes commit with 'done'; a
    deduplicated second enqueue does not run it again."""
    attempts = Counter[str]()
    registry = JobRegistry()

    @registry.job("test.remind")
    async def remind(uow: UnitOfWork, args: dict[str, Any]) -> None:
        attempts[args["key"]] += 1
        await insert_record(uow, args["key"])
        if attempts[args["key"]] == 1:
            raise TimeoutError("provider timed out after the write")

    for _ in range(2):
        await enqueue(
            uow_factory, "test.remind", {"key": "ding:9:member:4"}, dedupe_key="ding:9:member:4:1", run_at=clock.now
        )
    runner = runner_for(uow_factory, registry, clock)
    assert await runner.run_once() == 1
    clock.advance(3600)
    assert await runner.run_once() == 1
    clock.advance(3600)
    assert await runner.run_once() == 0
    assert attempts == {"ding:9:member:4": 2}
    assert await record_counts(uow_factory) == {"ding:9:member:4": 1}
    job = await one_job(uow_factory)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, None)


async def test_a_job_without_handler_or_over_time_fails_like_any_other(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    registry = JobRegistry()

    @registry.job("test.slow", timeout_seconds=0.05)
    async def slow(uow: UnitOfWork, args: dict[str, Any]) -> None:
        await insert_record(uow, "slow")
        await asyncio.sleep(5)

    await enqueue(uow_factory, "test.unknown", {}, max_attempts=1, run_at=clock.now)
    await enqueue(uow_factory, "test.slow", {}, max_attempts=1, run_at=clock.now)
    runner = runner_for(uow_factory, registry, clock)
    assert await runner.run_once() == 2
    unknown, too_slow = await all_jobs(uow_factory)
    assert (unknown.status, unknown.last_error) == ("failed", "tack.jobs.runner.UnknownJob: no handler is registered for 'test.unknown'")
    assert (too_slow.status, too_slow.last_error) == ("failed", "TimeoutError: the handler ran longer than its time limit")
    assert await record_counts(uow_factory) == {}


async def test_an_expired_lease_is_claimed_again_and_the_stale_run_rolls_back(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Runner A stalls past its lease; B takes the job over and finishes it; when A wakes up
    its writes are rolled back, so the job's effect is recorded once."""
    release_a = asyncio.Event()
    runs = Counter[str]()
    registry = JobRegistry()

    @registry.job("test.remind", timeout_seconds=60)
    async def remind(uow: UnitOfWork, args: dict[str, Any]) -> None:
        runs[who.get()] += 1
        if who.get() == "A":
            await release_a.wait()
        await insert_record(uow, "effect")

    await enqueue(uow_factory, "test.remind", {}, run_at=clock.now)
    a = runner_for(uow_factory, registry, clock, lease_seconds=30, worker_id="A")
    b = runner_for(uow_factory, registry, clock, lease_seconds=30, worker_id="B")
    task_a = asyncio.create_task(as_runner("A", a))
    while not runs["A"]:
        await asyncio.sleep(0.01)
    job = await one_job(uow_factory)
    assert (job.status, job.locked_by, job.locked_until) == ("running", "A:1", clock.now + timedelta(seconds=30))
    assert await b.run_once() == 0  # the lease still holds
    clock.advance(31)
    assert await as_runner("B", b) == 1
    assert runs == {"A": 1, "B": 1}
    release_a.set()
    assert await task_a == 1
    job = await one_job(uow_factory)
    assert (job.status, job.attempts, job.locked_by) == ("done", 2, None)
    assert await record_counts(uow_factory) == {"effect": 1}


async def test_a_job_whose_process_died_on_its_last_attempt_is_failed(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await enqueue(uow_factory, "test.remind", {}, max_attempts=1, run_at=clock.now)
    async with uow_factory() as uow:  # as a process that claimed it and was killed would leave it
        await uow.session.execute(
            update(Job).values(status="running", attempts=1, locked_by="dead:1", locked_until=clock.now)
        )
    runner = runner_for(uow_factory, JobRegistry(), clock)
    clock.advance(1)
    assert await runner.run_once() == 0
    job = await one_job(uow_factory)
    assert (job.status, job.attempts, job.locked_by) == ("failed", 1, None)
    assert job.last_error is not None and job.last_error.startswith("LeaseExpired")


async def test_a_commit_wakes_the_runner_without_waiting_for_the_poll(app, uow_factory: UnitOfWorkFactory) -> None:  # type: ignore[no-untyped-def]
    done = asyncio.Event()
    registry = JobRegistry()

    @registry.job("test.ping")
    async def ping(uow: UnitOfWork, args: dict[str, Any]) -> None:
        done.set()

    factory = UnitOfWorkFactory(uow_factory.sessionmaker)
    runner = JobRunner(factory, registry, poll_seconds=60)
    factory.wake_jobs = runner.wake
    await runner.start()
    try:
        await asyncio.sleep(0.1)  # the runner has polled, found nothing, and sleeps for 60 s
        started = asyncio.get_running_loop().time()
        await enqueue(factory, "test.ping", {})
        await asyncio.wait_for(done.wait(), 5)
        assert asyncio.get_running_loop().time() - started < 2
        # A job due in 0.3 s: the runner shortens its sleep to that time.
        done.clear()
        await enqueue(factory, "test.ping", {}, run_at=utc_now() + timedelta(seconds=0.3))
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await runner.stop()


async def test_a_graceful_stop_hands_unfinished_jobs_back(uow_factory: UnitOfWorkFactory) -> None:
    started = asyncio.Event()
    registry = JobRegistry()

    @registry.job("test.long", timeout_seconds=60)
    async def long(uow: UnitOfWork, args: dict[str, Any]) -> None:
        started.set()
        await asyncio.sleep(60)

    runner = JobRunner(uow_factory, registry, poll_seconds=0.05, shutdown_grace_seconds=0.1)
    await enqueue(uow_factory, "test.long", {}, max_attempts=1)
    await runner.start()
    await asyncio.wait_for(started.wait(), 5)
    await runner.stop()
    job = await one_job(uow_factory)
    # Not failed, attempt not counted: the next start runs it.
    assert (job.status, job.attempts, job.locked_by) == ("queued", 0, None)


async def test_two_runners_never_run_one_job_twice(database_url: str, records: None, app) -> None:  # type: ignore[no-untyped-def]
    """Two runners with their own engines (as two server processes would have) drain 300 jobs
    from one database: every job runs once; on PostgreSQL they share the work."""
    from tack.storage.db import make_engine, make_sessionmaker

    runs = Counter[int]()
    by_runner = Counter[str]()
    registry = JobRegistry()

    @registry.job("test.count")
    async def count(uow: UnitOfWork, args: dict[str, Any]) -> None:
        runs[args["n"]] += 1
        by_runner[who.get()] += 1
        await asyncio.sleep(0.002)
        await insert_record(uow, str(args["n"]))

    async with app.state.uow_factory() as uow:
        for n in range(300):
            uow.enqueue("test.count", {"n": n})
    engines = [make_engine(database_url) for _ in range(2)]
    runners = [
        JobRunner(UnitOfWorkFactory(make_sessionmaker(e)), registry, poll_seconds=0.05, concurrency=4, worker_id=name)
        for e, name in zip(engines, ("one", "two"), strict=True)
    ]
    try:
        for runner in runners:
            await asyncio.create_task(_start_as(runner))
        deadline = asyncio.get_running_loop().time() + 180  # generous: a loaded CI machine is slow
        while sum(runs.values()) < 300 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # a duplicate run would show up now
    finally:
        for runner in runners:
            await runner.stop()
        for e in engines:
            await e.dispose()
    assert sorted(runs) == list(range(300)) and set(runs.values()) == {1}
    counts = await record_counts(app.state.uow_factory)
    assert len(counts) == 300 and set(counts.values()) == {1}
    assert {j.status for j in await all_jobs(app.state.uow_factory)} == {"done"}
    if app.state.engine.dialect.name == "postgresql":
        assert by_runner["one"] > 0 and by_runner["two"] > 0


async def _start_as(runner: JobRunner) -> None:
    """Starts the runner's loop in a context where handlers see the runner's name in `who`."""
    who.set(runner.worker_id)
    await runner.start()

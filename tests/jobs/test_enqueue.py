"""UnitOfWork.enqueue: the job exists exactly when the change that caused it does."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from tack.core.clock import utc_now
from tack.jobs import testing as test_jobs
from tack.storage.uow import UnitOfWorkFactory
from tests.jobs.conftest import all_jobs, one_job, record_counts

pytestmark = pytest.mark.usefixtures("records")


async def test_the_job_commits_with_the_change(uow_factory: UnitOfWorkFactory) -> None:
    before = utc_now()
    async with uow_factory() as uow:
        await uow.session.execute(insert(test_jobs.record_table).values(key="change", pid=0, ran_at=before))
        uow.enqueue("test.record", {"key": "k1"}, org_id=7)
    job = await one_job(uow_factory)
    assert (job.name, job.args, job.org_id, job.status, job.attempts) == ("test.record", {"key": "k1"}, 7, "queued", 0)
    assert before <= job.run_at <= utc_now()
    assert job.max_attempts == 5 and job.last_error is None and job.locked_by is None
    assert await record_counts(uow_factory) == {"change": 1}


async def test_rollback_leaves_no_job(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.session.execute(insert(test_jobs.record_table).values(key="change", pid=0, ran_at=utc_now()))
            uow.enqueue("test.record", {"key": "k1"})
            raise RuntimeError("the change fails after enqueueing")
    assert await all_jobs(uow_factory) == []
    assert await record_counts(uow_factory) == {}


async def test_a_dedupe_key_enqueues_one_logical_job_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        uow.enqueue("test.record", {"key": "a"}, dedupe_key="ding:1:round:1")
        uow.enqueue("test.record", {"key": "b"}, dedupe_key="ding:1:round:1")
    # A later transaction enqueueing it again still commits its own change.
    async with uow_factory() as uow:
        await uow.session.execute(insert(test_jobs.record_table).values(key="second change", pid=0, ran_at=utc_now()))
        uow.enqueue("test.record", {"key": "c"}, dedupe_key="ding:1:round:1")
        uow.enqueue("test.other", {"key": "d"}, dedupe_key="ding:1:round:1")  # another name: another job
        uow.enqueue("test.record", {"key": "e"})  # no key: never deduplicated
        uow.enqueue("test.record", {"key": "f"})
    jobs = await all_jobs(uow_factory)
    assert [(j.name, j.args["key"]) for j in jobs] == [
        ("test.record", "a"),
        ("test.other", "d"),
        ("test.record", "e"),
        ("test.record", "f"),
    ]
    assert await record_counts(uow_factory) == {"second change": 1}


async def test_enqueue_refuses_what_it_cannot_run(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="domain.verb"):
            uow.enqueue("record", {})
        with pytest.raises(ValueError, match="naive"):
            uow.enqueue("test.record", {}, run_at=datetime(2030, 1, 1))  # noqa: DTZ001
        with pytest.raises(ValueError, match="max_attempts"):
            uow.enqueue("test.record", {}, max_attempts=0)
    assert await all_jobs(uow_factory) == []


async def test_the_runner_is_woken_after_commit_only(app) -> None:  # type: ignore[no-untyped-def]
    woken: list[datetime] = []
    factory = UnitOfWorkFactory(app.state.uow_factory.sessionmaker, wake_jobs=woken.append)
    later = utc_now() + timedelta(minutes=5)
    sooner = utc_now() + timedelta(minutes=1)
    async with factory() as uow:
        uow.enqueue("test.record", {"key": "1"}, run_at=later)
        uow.enqueue("test.record", {"key": "2"}, run_at=sooner)
        assert woken == []  # not before COMMIT
    assert woken == [sooner]  # once, with the earliest run time
    with pytest.raises(RuntimeError):
        async with factory() as uow:
            uow.enqueue("test.record", {"key": "3"})
            raise RuntimeError
    assert woken == [sooner]
    async with factory() as uow:
        pass  # no jobs, no nudge
    assert woken == [sooner]

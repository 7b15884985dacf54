"""UnitOfWorkFactory.reusing: one session kept across units of work (the socket batcher's).
Each unit must behave as one on a fresh session: its change and events after COMMIT only,
nothing of an earlier unit left in the session, and a failed unit undone without harming
the next."""

import pytest
from sqlalchemy import func, select

from tack.core.events import Event
from tack.storage.jobs_table import Job, insert_jobs, job_row
from tack.storage.uow import UnitOfWorkFactory


class Recorder:
    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, events: list[Event]) -> None:
        self.published.extend(events)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def factory(app, recorder: Recorder) -> UnitOfWorkFactory:  # type: ignore[no-untyped-def]
    return UnitOfWorkFactory(app.state.uow_factory.sessionmaker, bus=recorder)


def event(n: int) -> Event:
    return Event(type="test", op="n", org_id=1, data={"n": n}, to_accounts=(1,))


async def job_names(factory: UnitOfWorkFactory) -> list[str]:
    async with factory() as uow:
        return list((await uow.session.scalars(select(Job.name).order_by(Job.id))).all())


async def test_units_on_one_session_commit_and_leave_nothing_behind(factory: UnitOfWorkFactory, recorder: Recorder) -> None:
    session = factory.sessionmaker()
    async with factory.reusing(session) as uow:
        uow.enqueue("test.first")
        uow.publish(event(1))
        assert recorder.published == []  # not before COMMIT
    assert [e.data for e in recorder.published] == [{"n": 1}]
    # Between units: no transaction, no connection held, no object kept.
    assert not session.in_transaction()
    assert len(session.sync_session.identity_map) == 0

    async with factory.reusing(session) as uow:
        first = (await uow.session.scalars(select(Job).where(Job.name == "test.first"))).one()
        assert first in uow.session  # loaded in this unit
        uow.enqueue("test.second")
    assert len(session.sync_session.identity_map) == 0
    assert await job_names(factory) == ["test.first", "test.second"]


async def test_a_failed_unit_is_undone_and_the_next_one_works(factory: UnitOfWorkFactory, recorder: Recorder) -> None:
    session = factory.sessionmaker()
    with pytest.raises(RuntimeError):
        async with factory.reusing(session) as uow:
            await insert_jobs(uow.session, [job_row("test.lost", None, run_at=None, org_id=None, dedupe_key=None, max_attempts=1)])  # written, not yet committed
            assert await uow.session.scalar(select(func.count()).select_from(Job)) == 1
            uow.publish(event(1))
            raise RuntimeError("the unit fails after writing")
    assert recorder.published == []
    assert not session.in_transaction()

    async with factory.reusing(session) as uow:
        count = await uow.session.scalar(select(func.count()).select_from(Job))
        uow.enqueue("test.kept")
        uow.publish(event(2))
    assert count == 0
    assert [e.data for e in recorder.published] == [{"n": 2}]
    assert await job_names(factory) == ["test.kept"]

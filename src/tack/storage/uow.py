"""The unit of work: the only place Tack commits, and the only door events and jobs leave by."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from tack.core.events import Event, EventBus, NullBus
from tack.storage.jobs_table import DEFAULT_MAX_ATTEMPTS, insert_jobs, job_row

# Told, after a commit that wrote jobs, the earliest time one of them is due (main.py wires
# the job runner's `wake` here, so a job due now runs without waiting for the next poll).
JobWaker = Callable[[datetime], None]


class UnitOfWork:
    """One write session plus buffers that leave the process only after COMMIT.

    `publish` and `enqueue` may be called only from `actions.py` and `tasks.py` (checked in
    tests/architecture). Events are buffered, never sent inline: a client must never
    see a change that a rollback later undoes. Every call site needs a test that
    asserts the event's type and recipients.
    """

    def __init__(self, session: AsyncSession, bus: EventBus, wake_jobs: JobWaker | None = None) -> None:
        self.session = session
        self._bus = bus
        self._wake_jobs = wake_jobs
        self._connection: AsyncConnection | None = None
        self._events: list[Event] = []
        self._jobs: list[dict[str, Any]] = []
        self._wake_at: datetime | None = None
        # Plain callables run right after COMMIT (not on rollback): for in-process caches that
        # must forget what a concurrent reader may have loaded while the change was in flight.
        self.after_commit: list[Callable[[], None]] = []

    async def connection(self) -> AsyncConnection:
        """The session's connection, in its transaction (begun on first use). Hot paths run
        plain Core statements on it, several in one hop into SQLAlchemy's greenlet
        (`run_sync`): each statement through the ORM session costs a hop and the session's
        execute layer (chat.actions.sending: a message sent alone)."""
        if self._connection is None:
            self._connection = await self.session.connection()
        return self._connection

    def publish(self, event: Event) -> None:
        self._events.append(event)

    def enqueue(
        self,
        name: str,
        args: dict[str, Any] | None = None,
        *,
        run_at: datetime | None = None,
        org_id: int | None = None,
        dedupe_key: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        """A durable job "domain.verb", written in this transaction (just before COMMIT), so it
        exists exactly when the change that caused it does. `args` must be JSON (ids, not ORM
        objects). With `dedupe_key`, a second job of the same name and key is dropped."""
        row = job_row(name, args, run_at=run_at, org_id=org_id, dedupe_key=dedupe_key, max_attempts=max_attempts)
        self._jobs.append(row)
        self.wake_jobs_after_commit(row["run_at"])

    def wake_jobs_after_commit(self, at: datetime) -> None:
        """Nudge the job runner after COMMIT (for a job made due by something else than enqueue)."""
        if self._wake_at is None or at < self._wake_at:
            self._wake_at = at

    async def commit(self) -> None:
        jobs, self._jobs = self._jobs, []
        await insert_jobs(self.session, jobs)
        await self.session.commit()
        self._connection = None
        callbacks, self.after_commit = self.after_commit, []
        for callback in callbacks:
            callback()
        events, self._events = self._events, []
        wake_at, self._wake_at = self._wake_at, None
        if events:
            await self._bus.publish(events)
        if wake_at is not None and self._wake_jobs is not None:
            self._wake_jobs(wake_at)

    async def rollback(self) -> None:
        self._connection = None
        self.after_commit.clear()
        self._events.clear()
        self._jobs.clear()
        self._wake_at = None
        await self.session.rollback()


class UnitOfWorkFactory:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        bus: EventBus | None = None,
        wake_jobs: JobWaker | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.bus: EventBus = bus or NullBus()
        self.wake_jobs = wake_jobs

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        async with self.sessionmaker() as session:
            uow = UnitOfWork(session, self.bus, self.wake_jobs)
            try:
                yield uow
            except BaseException:
                await uow.rollback()
                raise
            else:
                await uow.commit()

    @asynccontextmanager
    async def reusing(self, session: AsyncSession) -> AsyncIterator[UnitOfWork]:
        """A unit of work on `session`, kept by a writer that runs one unit at a time (the
        socket batcher): making an AsyncSession and closing it through a task of its own cost
        ~4 % of the server's CPU per message sent alone. After COMMIT the session holds no
        transaction and no connection; it is emptied (no I/O) for the next unit. A unit that
        fails closes it, which rolls back, as the sessionmaker's context would."""
        uow = UnitOfWork(session, self.bus, self.wake_jobs)
        try:
            yield uow
        except BaseException:
            try:
                await uow.rollback()
            finally:
                await session.close()
            raise
        try:
            await uow.commit()
        except BaseException:
            await session.close()
            raise
        session.sync_session.expunge_all()

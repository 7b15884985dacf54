"""The unit of work: the only place Tack commits, and the only door events and jobs leave by."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tack.core.events import Event, EventBus, NullBus


class UnitOfWork:
    """One write session plus buffers that leave the process only after COMMIT.

    `publish` may be called only from `actions.py` and `tasks.py` (checked in
    tests/architecture). Events are buffered, never sent inline: a client must never
    see a change that a rollback later undoes. Every call site needs a test that
    asserts the event's type and recipients.
    """

    def __init__(self, session: AsyncSession, bus: EventBus) -> None:
        self.session = session
        self._bus = bus
        self._events: list[Event] = []
        self.after_commit: list[Any] = []

    def publish(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        await self.session.commit()
        events, self._events = self._events, []
        if events:
            await self._bus.publish(events)

    async def rollback(self) -> None:
        self._events.clear()
        await self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], bus: EventBus | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.bus: EventBus = bus or NullBus()

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[UnitOfWork]:
        async with self.sessionmaker() as session:
            uow = UnitOfWork(session, self.bus)
            try:
                yield uow
            except BaseException:
                await uow.rollback()
                raise
            else:
                await uow.commit()

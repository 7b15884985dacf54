"""Group commit for check-ins: the 9:00 burst written many check-ins per transaction.

Every check-in that arrives while a transaction is being written waits for the next one;
that one takes all of them (up to MAX_BATCH) through `actions.do_checkin_batch` in one unit
of work, and each client is answered only after the COMMIT that holds its record. Nothing
waits on a timer: at a trickle each check-in is a batch of one, under a burst the batches
grow with the load, so the cost per check-in falls as the load rises.

A batch that fails as a whole (a lost race on the unique constraint, a busy database) is
tried again one check-in per transaction, so one bad row never fails its neighbours and
every client still gets its own answer.
"""

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tack.attendance import actions
from tack.attendance.actions import CheckinRequest
from tack.attendance.schemas import CheckinRead
from tack.core.errors import AppError
from tack.storage.uow import UnitOfWorkFactory

log = logging.getLogger("tack.attendance")

MAX_BATCH = 500


class CheckinBatcher:
    def __init__(self, uow_factory: UnitOfWorkFactory, read_sessionmaker: async_sessionmaker[AsyncSession] | None = None) -> None:
        self.uow_factory = uow_factory
        self.read_sessionmaker = read_sessionmaker
        self._waiting: list[tuple[CheckinRequest, asyncio.Future[Any]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0  # written so far (for tests and the benchmark)

    async def check_in(self, request: CheckinRequest) -> CheckinRead:
        """The answer once committed; raises the AppError the check-in is refused with."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        answer = await future
        if isinstance(answer, AppError):
            raise answer
        return answer  # type: ignore[no-any-return]

    async def _write_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                answers = await self._write([r for r, _ in batch])
            except Exception:  # noqa: BLE001 - every client is answered one by one below
                log.warning("check-in batch of %d failed; writing them one by one", len(batch), exc_info=True)
                answers = []
                for request, _ in batch:
                    try:
                        answers.extend(await self._write([request]))
                    except Exception as exc:  # noqa: BLE001 - handed to that client's request
                        answers.append(exc)
            for (_, future), answer in zip(batch, answers, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(answer, BaseException) and not isinstance(answer, AppError):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)

    async def _write(self, requests: list[CheckinRequest]) -> list[Any]:
        if self.read_sessionmaker is None:
            async with self.uow_factory() as uow:
                answers = await actions.do_checkin_batch(uow, requests)
        else:
            async with self.read_sessionmaker() as reads, self.uow_factory() as uow:
                # The write transaction first: on SQLite it takes the write lock, so the reads
                # below see every commit that came before it (a sign-out, a device bound, an
                # earlier punch) and nothing can commit in between; the decisions then match
                # what the batch writes.
                await uow.session.connection()
                answers = await actions.do_checkin_batch(uow, requests, reads=reads)
        self.batches += 1
        return answers
